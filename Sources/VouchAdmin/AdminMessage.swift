/// The shapes of the admin API's lines, in one place for the server and the client:
///
///     → {"id":1,"method":"status","params":{}}
///     ← {"id":1,"result":{…}}
///     ← {"error":{"code":"unknown-method","message":"…"},"id":1}
///     ← {"event":{"data":{…},"time":"2025-01-01T12:00:00.000Z","type":"invitation.received"}}
enum AdminMessage {
    /// A request line, as the server reads it.
    struct Request: Sendable, Equatable {
        let id: Int64
        let method: String
        let params: JSONValue
    }

    /// The request in `value`, or the `malformed` error to answer with (with the id, when the
    /// line had a usable one, so a client can still match the answer).
    static func parseRequest(_ value: JSONValue) -> Result<Request, RequestError> {
        guard case .object = value else {
            return .failure(RequestError(id: nil, error: AdminError(.malformed, "a request must be a JSON object")))
        }
        guard let id = value["id"]?.intValue else {
            return .failure(RequestError(id: nil, error: AdminError(.malformed, "a request needs an integer \"id\"")))
        }
        guard let method = value["method"]?.stringValue, !method.isEmpty else {
            return .failure(RequestError(id: id, error: AdminError(.malformed, "a request needs a string \"method\"")))
        }
        let params = value["params"] ?? .null
        switch params {
        case .null, .object: break
        default:
            return .failure(RequestError(id: id, error: AdminError(.malformed, "\"params\" must be an object")))
        }
        return .success(Request(id: id, method: method, params: params.isNull ? [:] : params))
    }

    struct RequestError: Error {
        let id: Int64?
        let error: AdminError
    }

    static func request(id: Int64, method: String, params: JSONValue) -> JSONValue {
        ["id": .int(id), "method": .string(method), "params": params]
    }

    static func result(id: Int64, _ result: JSONValue) -> JSONValue {
        ["id": .int(id), "result": result]
    }

    /// An error answer; `id` is null when the request had none (malformed, too large).
    static func error(id: Int64?, _ error: AdminError) -> JSONValue {
        [
            "id": id.map { .int($0) } ?? .null,
            "error": ["code": .string(error.reason.rawValue), "message": .string(error.message)],
        ]
    }

    static func event(_ event: AdminEvent) -> JSONValue {
        ["event": event.json]
    }

    /// The error object of an answer, as an ``AdminError``; nil if the line carries none.
    ///
    /// A code outside the closed set (a daemon of another version) or an error object without a
    /// code or message is itself a `malformed` answer, whose message keeps what the daemon said.
    static func error(in value: JSONValue) -> AdminError? {
        guard let error = value["error"] else { return nil }
        guard let code = error["code"]?.stringValue, let message = error["message"]?.stringValue else {
            return AdminError(.malformed, "the daemon answered with an error object without a code and a message: \(AdminLineCodec.text(of: error))")
        }
        guard let reason = AdminError.Reason(rawValue: code) else {
            return AdminError(.malformed, "the daemon answered with error code \"\(code)\", which this vouch does not know (is the daemon another version?): \(message)")
        }
        return AdminError(reason, message)
    }
}
