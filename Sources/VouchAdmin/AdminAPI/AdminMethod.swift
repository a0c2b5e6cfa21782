/// One method of the admin API, as a type: the request is the value itself (its stored
/// properties are the `params` object), and `Response` is the `result` object.
///
/// The daemon and the CLI share these types (files beside this one, one per group of methods), so
/// a field renamed on one side is renamed on the other, and a handler that returns the wrong
/// shape does not compile. Adding a method is three steps:
///
/// 1. a request and a response type here, the request conforming to `AdminMethod`;
/// 2. one `router.register(TheRequest.self) { request in … }` on the node;
/// 3. one `try await client.call(TheRequest(…))` in the command.
///
/// Member names on the wire are the `CodingKeys` of each type (snake_case, as Docs/admin-api.md
/// lists them); a request decodes leniently (unknown members are ignored, so an older daemon
/// accepts a newer client's optional extras), and a missing or mistyped member is answered with
/// `invalid-params`, naming it.
public protocol AdminMethod: Codable, Sendable {
    associatedtype Response: Codable, Sendable
    /// The `method` string of the request line.
    static var name: String { get }
}

extension AdminMethod {
    /// The params object of a request line, decoded as this method's request.
    static func decode(params: JSONValue) throws(AdminError) -> Self {
        do {
            return try params.decode(Self.self)
        } catch let error as DecodingError {
            throw AdminError(.invalidParams, "\(name): \(AdminCoding.describe(error, in: "params"))")
        } catch {
            throw AdminError(.invalidParams, "\(name): the params cannot be read: \(error)")
        }
    }

    /// The result object of an answer, decoded as this method's response.
    static func decode(result: JSONValue) throws(AdminError) -> Response {
        do {
            return try result.decode(Response.self)
        } catch let error as DecodingError {
            throw AdminError(.malformed, "the daemon's answer to \(name) is not what this vouch expects (is it another version?): "
                             + AdminCoding.describe(error, in: "result"))
        } catch {
            throw AdminError(.malformed, "the daemon's answer to \(name) cannot be read: \(error)")
        }
    }
}

/// How a `DecodingError` reads in an admin error message: the member's path and what is wrong.
enum AdminCoding {
    static func describe(_ error: DecodingError, in root: String) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(root, context.codingPath + [key])) is required"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path(root, context.codingPath)) must be \(describe(type))"
        case .dataCorrupted(let context):
            return "\(path(root, context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(root) cannot be read: \(error)"
        }
    }

    private static func path(_ root: String, _ keys: [any CodingKey]) -> String {
        keys.reduce(root) { path, key in
            key.intValue.map { "\(path)[\($0)]" } ?? "\(path).\(key.stringValue)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type, is UInt16.Type: "an integer"
        case is Double.Type: "a number"
        default: "of type \(type)"
        }
    }
}
