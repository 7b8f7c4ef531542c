# What `cmake --install` puts where, and the Debian package CPack builds from
# the same rules (`cmake --build build --target package`).
#
#   PREFIX/bin/cos_error_exporter
#   ETC/cos_error_exporter/exporter.yaml, ETC/default/cos_error_exporter
#   UNITS/cos_error_exporter.service      (its paths rewritten to these)
#   PREFIX/share/man/man1/cos_error_exporter.1.gz
#   PREFIX/share/doc/cos-error-exporter/  copyright, changelog.gz, examples/
#
# ETC and UNITS follow the prefix the way Debian and the FHS place them:
# /usr gives /etc and /lib/systemd/system, /opt/NAME gives /etc/opt/NAME, any
# other prefix P gives P/etc and P/lib/systemd/system. They are worked out at
# install time, because CPack installs with its own prefix (/usr) whatever
# the build was configured with.
include(GNUInstallDirs)

set(COS_PACKAGE_NAME cos-error-exporter)  # Debian package names take no '_'
set(COS_PACKAGE_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/${COS_PACKAGE_NAME})
set(COS_DEBIAN_DIR ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian)
set(COS_PACKAGING_DIR ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${COS_PACKAGING_DIR})

# The changelog's latest entry and the man page's title name the version
# being packaged.
file(STRINGS ${COS_DEBIAN_DIR}/changelog cos_changelog_head LIMIT_COUNT 1)
if(NOT cos_changelog_head MATCHES "^${COS_PACKAGE_NAME} \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "deploy/debian/changelog: the latest entry must be "
                      "'${COS_PACKAGE_NAME} (${PROJECT_VERSION})', not '${cos_changelog_head}'")
endif()
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/docs/cos_error_exporter.1 cos_man_title REGEX "^\\.TH ")
if(NOT cos_man_title MATCHES "\"cos_error_exporter ${PROJECT_VERSION}\"")
  message(FATAL_ERROR "docs/cos_error_exporter.1: the .TH line must name "
                      "\"cos_error_exporter ${PROJECT_VERSION}\", not: ${cos_man_title}")
endif()

# The man page and the changelog compressed as Debian wants them: gzip -9n
# (no name, no timestamp), at configure time so that any build tree installs.
find_program(COS_GZIP gzip REQUIRED)
foreach(cos_gzip_pair "docs/cos_error_exporter.1;cos_error_exporter.1.gz"
                      "deploy/debian/changelog;changelog.gz")
  list(GET cos_gzip_pair 0 cos_gzip_source)
  list(GET cos_gzip_pair 1 cos_gzip_output)
  execute_process(COMMAND ${COS_GZIP} -9n -c ${CMAKE_CURRENT_SOURCE_DIR}/${cos_gzip_source}
                  OUTPUT_FILE ${COS_PACKAGING_DIR}/${cos_gzip_output}
                  COMMAND_ERROR_IS_FATAL ANY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_CURRENT_SOURCE_DIR}/${cos_gzip_source})
endforeach()

# Install-time layout: cos_etc and cos_units, relative to the root ("etc"),
# and the unit file rewritten to name the installed binary and config. Each
# (DESTDIR, prefix) writes its own copy, so concurrent installs don't mix.
install(CODE "set(cos_unit_source \"${CMAKE_CURRENT_SOURCE_DIR}/deploy/systemd/cos_error_exporter.service\")
set(cos_unit_staging \"${COS_PACKAGING_DIR}/units\")
set(cos_bindir \"${CMAKE_INSTALL_BINDIR}\")")
install(CODE [[
string(REGEX REPLACE "^/+" "" cos_prefix "${CMAKE_INSTALL_PREFIX}")
if(cos_prefix STREQUAL "usr")
  set(cos_etc "etc")
  set(cos_units "lib/systemd/system")
elseif(cos_prefix MATCHES "^opt/")
  set(cos_etc "etc/${cos_prefix}")
  set(cos_units "${cos_prefix}/lib/systemd/system")
else()
  set(cos_etc "${cos_prefix}/etc")
  set(cos_units "${cos_prefix}/lib/systemd/system")
endif()
file(READ "${cos_unit_source}" cos_unit)
string(REPLACE "/usr/local/bin/cos_error_exporter"
       "${CMAKE_INSTALL_PREFIX}/${cos_bindir}/cos_error_exporter" cos_unit "${cos_unit}")
string(REPLACE "/etc/cos_error_exporter/" "/${cos_etc}/cos_error_exporter/" cos_unit "${cos_unit}")
string(REPLACE "/etc/default/" "/${cos_etc}/default/" cos_unit "${cos_unit}")
string(MD5 cos_unit_key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(cos_unit_file "${cos_unit_staging}/${cos_unit_key}/cos_error_exporter.service")
file(WRITE "${cos_unit_file}" "${cos_unit}")
file(INSTALL DESTINATION "/${cos_units}" TYPE FILE FILES "${cos_unit_file}")
]])

install(TARGETS cos_error_exporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES config/exporter.yaml DESTINATION "/\${cos_etc}/cos_error_exporter")
install(FILES deploy/debian/default DESTINATION "/\${cos_etc}/default"
        RENAME cos_error_exporter)
install(FILES ${COS_PACKAGING_DIR}/cos_error_exporter.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES deploy/bash-completion/cos_error_exporter
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES deploy/debian/copyright ${COS_PACKAGING_DIR}/changelog.gz docs/runbooks.md
        DESTINATION ${COS_PACKAGE_DOC_DIR})
install(FILES config/web-config.example.yml
              deploy/prometheus/rules.yml
              deploy/prometheus/prometheus.yml
              deploy/alertmanager/alertmanager.yml
              deploy/grafana/cos-errors.json
              deploy/grafana/cos-errors-pod-logs.json
              deploy/grafana/make_dashboard.py
              deploy/grafana/config_labels.py
        DESTINATION ${COS_PACKAGE_DOC_DIR}/examples)

# The Debian package. Its files under /etc are conffiles: dpkg keeps an
# operator's edits on upgrade.
file(WRITE ${COS_PACKAGING_DIR}/conffiles
     "/etc/cos_error_exporter/exporter.yaml\n/etc/default/cos_error_exporter\n")
set(COS_DEB_MAINTAINER "cos_error_exporter maintainers <cos-error-exporter@example.com>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${COS_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${COS_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter for Tencent Cloud COS v4 error codes")
set(CPACK_PACKAGE_DESCRIPTION
    "cos_error_exporter counts the error events of Tencent Cloud COS legacy
(JSON API v4) clients, SDKs and proxies, received over UDP or a unix datagram
socket or read from log files it tails, by category, code and name and by
alert group, and serves them to Prometheus on /metrics. The package runs it
as a systemd service under its own system user, with the generated alert
rules and a Grafana dashboard as examples.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst creates the user with it
# examples/make_dashboard.py writes a dashboard for a config's extra labels.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3, python3-yaml")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${COS_PACKAGING_DIR}/conffiles ${COS_DEBIAN_DIR}/postinst ${COS_DEBIAN_DIR}/prerm
    ${COS_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
