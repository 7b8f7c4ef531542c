// Sends log records to an OTLP/HTTP logs endpoint with the OpenTelemetry
// JavaScript SDK, as a service instrumented with it would:
//   node send.js URL json|proto RECORDS_JSON
// RECORDS_JSON: {"resource": {...attributes}, "records": [{"body": ..., "attributes": {...},
// "traceId": "32 hex", "spanId": "16 hex"}, ...]}. All records go in one batch
// (one request); the SDK's result is printed as JSON and sets the exit code.
'use strict';
const fs = require('fs');
const { context, trace, TraceFlags } = require('@opentelemetry/api');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const [url, encoding, recordsFile] = process.argv.slice(2);
const { OTLPLogExporter } = encoding === 'proto'
  ? require('@opentelemetry/exporter-logs-otlp-proto')
  : require('@opentelemetry/exporter-logs-otlp-http');
const input = JSON.parse(fs.readFileSync(recordsFile, 'utf8'));

// The exporter as the README shows it: the URL of the logs endpoint.
const exporter = new OTLPLogExporter({ url });
let result = null;
const export_ = exporter.export.bind(exporter);
exporter.export = (logs, done) => export_(logs, (r) => { result = r; done(r); });

const provider = new LoggerProvider({
  resource: resourceFromAttributes(input.resource || {}),
  processors: [new BatchLogRecordProcessor(exporter, { maxExportBatchSize: 10000,
                                                       maxQueueSize: 10000,
                                                       scheduledDelayMillis: 60000 })],
});
const logger = provider.getLogger('cos-e2e');
for (const record of input.records) {
  let ctx = context.active();
  if (record.traceId) {
    ctx = trace.setSpanContext(ctx, { traceId: record.traceId, spanId: record.spanId,
                                      traceFlags: TraceFlags.SAMPLED });
  }
  logger.emit({ body: record.body, attributes: record.attributes || {}, severityText: 'ERROR',
                context: ctx });
}
provider.shutdown().then(() => {
  console.log(JSON.stringify({ code: result ? result.code : null,
                               error: result && result.error ? String(result.error) : null }));
  process.exit(result && result.code === 0 ? 0 : 1);
});
