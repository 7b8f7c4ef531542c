# cos_embed_file(INPUT SYMBOL OUTPUT): generates OUTPUT, a C++ source that
# defines `std::string_view cos_exporter::embedded::SYMBOL()` with INPUT's bytes.
set(COS_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_run.cmake)
function(cos_embed_file input symbol output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DSYMBOL=${symbol} -DOUTPUT=${output}
            -P ${COS_EMBED_SCRIPT}
    DEPENDS ${input} ${COS_EMBED_SCRIPT}
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
