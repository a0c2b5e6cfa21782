/// A stable, machine-readable error code: the string scripts see in `--json` output and peers
/// see on the wire. The `Domain` parameter keeps each error type's codes apart (a `CryptoError`
/// cannot carry a `StoreError` code), and each domain declares its codes as static members in an
/// extension, so codes can be added without breaking callers that match on them.
public struct ErrorCode<Domain>: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    package init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

/// What every Vouch error is: a code to match on and a message, for people, that names what is
/// wrong.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    associatedtype Domain
    var code: ErrorCode<Domain> { get }
    var message: String { get }
}

extension CodedError {
    public var description: String { message }
    /// The code as a string, for callers that handle errors of every domain alike.
    public var codeString: String { code.rawValue }
}
