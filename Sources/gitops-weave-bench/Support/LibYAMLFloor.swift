import CYAML

/// The floor: what libyaml itself costs to read the input and write the output, through its
/// event API, with no tree in between. The engine reads the same input bytes through the
/// same parser and builds trees, so the engine can never be faster than this.
enum LibYAMLFloor {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a stream with `yaml_parser_parse` and drops every event. Returns the number of
    /// events, so that the work cannot be optimised away.
    static func parse(_ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { throw Failure(description: "yaml_parser_initialize failed") }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, buffer.count)
            var event = yaml_event_t()
            var events = 0
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { throw parserFailure(parser) }
                let type = event.type
                yaml_event_delete(&event)
                events += 1
                if type == YAML_STREAM_END_EVENT { return events }
            }
        }
    }

    /// Reads a stream with `yaml_parser_parse` and hands every event straight to
    /// `yaml_emitter_emit`, which writes into memory. Returns the bytes written.
    ///
    /// `yaml_emitter_emit` takes ownership of the event (it frees the event's strings once
    /// written), so the event is moved, not copied, and never deleted here.
    static func parseAndEmit(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { throw Failure(description: "yaml_parser_initialize failed") }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, buffer.count)

            let sink = ByteSink()
            var emitter = yaml_emitter_t()
            guard yaml_emitter_initialize(&emitter) == 1 else { throw Failure(description: "yaml_emitter_initialize failed") }
            defer { yaml_emitter_delete(&emitter) }
            configure(&emitter, sink: sink)

            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { throw parserFailure(parser) }
                let type = event.type
                // The emitter now owns the event, whether or not it succeeds.
                guard yaml_emitter_emit(&emitter, &event) == 1 else { throw emitterFailure(emitter) }
                if type == YAML_STREAM_END_EVENT { break }
            }
            return sink.bytes
        }
    }

    /// Parses a stream into a list of events, kept alive (each event owns its strings).
    /// Not timed: it prepares `emit(_:)`.
    static func events(_ bytes: [UInt8]) throws -> [yaml_event_t] {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { throw Failure(description: "yaml_parser_initialize failed") }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, buffer.count)
            var out: [yaml_event_t] = []
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    for var e in out { yaml_event_delete(&e) }
                    throw parserFailure(parser)
                }
                out.append(event)
                if event.type == YAML_STREAM_END_EVENT { return out }
            }
        }
    }

    /// Emits events parsed beforehand, consuming them: after this call they are freed and
    /// must not be used again, whatever the outcome.
    static func emit(consuming events: [yaml_event_t]) throws -> [UInt8] {
        let sink = ByteSink()
        var emitter = yaml_emitter_t()
        guard yaml_emitter_initialize(&emitter) == 1 else {
            for var e in events { yaml_event_delete(&e) }
            throw Failure(description: "yaml_emitter_initialize failed")
        }
        defer { yaml_emitter_delete(&emitter) }
        configure(&emitter, sink: sink)
        for i in events.indices {
            var event = events[i]
            guard yaml_emitter_emit(&emitter, &event) == 1 else {
                for var e in events[(i + 1)...] { yaml_event_delete(&e) }
                throw emitterFailure(emitter)
            }
        }
        return sink.bytes
    }

    /// No line folding (the engine never folds) and UTF-8 written as is.
    private static func configure(_ emitter: inout yaml_emitter_t, sink: ByteSink) {
        yaml_emitter_set_unicode(&emitter, 1)
        yaml_emitter_set_width(&emitter, -1)
        yaml_emitter_set_output(&emitter, { data, buffer, size in
            let sink = Unmanaged<ByteSink>.fromOpaque(data!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, Unmanaged.passUnretained(sink).toOpaque())
    }

    private static func parserFailure(_ parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        return Failure(description: "libyaml parser: \(problem) at line \(parser.problem_mark.line + 1)")
    }

    private static func emitterFailure(_ emitter: yaml_emitter_t) -> Failure {
        let problem = emitter.problem.map { String(cString: $0) } ?? "unknown problem"
        return Failure(description: "libyaml emitter: \(problem)")
    }

    /// libyaml's version, for the report.
    static var version: String { String(cString: yaml_get_version_string()) }
}

/// The memory the floor's emitter writes into. It starts as small as the engine's
/// `ByteWriter` (4 KiB) and grows the same way, so neither side gets a head start.
final class ByteSink {
    var bytes: [UInt8]

    init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }
}
