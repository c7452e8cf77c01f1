// Package fhir is radflag's FHIR R4 adapter.
//
// It takes CT radiology reports from FHIR servers and stores them as
// pipeline.Reports, and gives the rest of radflag a client for the server:
//
//   - Client (NewClient): reads, searches, paging links, conditional
//     creates and updates against one server, with a bearer token or SMART
//     backend-services credentials (a JWT assertion signed with the
//     configured key), per-attempt timeouts, bounded bodies, and retries
//     on network errors, 408, 429 and 5xx for idempotent requests only
//     (GET, PUT, DELETE, conditional POST). It refuses URLs off the base,
//     so the token never leaves for a host a document names.
//   - IngestHandler (NewIngestHandler): POST /fhir/DiagnosticReport and
//     POST /fhir/notify (an R4 rest-hook payload or Bundle; an R4B/R5 or R4
//     backport topic notification with full-resource or id-only content).
//     It answers 200 only after the store's PubAck, 503 with Retry-After
//     when the store is unavailable, and 4xx with an OperationOutcome for
//     what can never be processed.
//   - Poller (NewPoller): DiagnosticReport?_lastUpdated=ge<cursor> sorted by
//     _lastUpdated, following next links (or searching again from the
//     advanced cursor where a server gives none), with the cursor in a
//     CursorStore (KVCursors over the RADFLAG_CURSORS bucket) saved after
//     each page's reports are stored.
//
// Resources are parsed and validated with google/fhir/go (R4); Bundle
// envelopes are read with encoding/json because R4B/R5 notification
// Bundles are not R4. Logs carry report ids, reasons and counts, never
// report text or patient data.
package fhir
