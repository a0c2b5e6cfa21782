/// Where a node listens: a host (DNS name, IPv4 address, or IPv6 address in brackets) and a TCP
/// port, written `host:port` (Protocol/profile.md §Endpoints).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    public static let maximumLength = 262

    public init(host: String, port: UInt16) throws {
        try self.init(parsing: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maximumLength else {
            throw ProtocolError(.fieldTooLong, "an endpoint is at most \(Self.maximumLength) bytes")
        }
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": an IPv6 host is written [address]:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
            // isASCII: Character.isHexDigit also accepts fullwidth digits. An IPv6 address always
            // has a colon, and without one the printed form would drop the brackets.
            guard hostPart.contains(":"), hostPart.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": \"\(hostPart)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\" has no port: write host:port")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
            guard !hostPart.isEmpty, hostPart.utf8.count <= 253, labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }) else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": \"\(hostPart)\" is not a host name or IPv4 address")
            }
        }
        guard let port = UInt16(portPart), port > 0, String(port) == portPart else {
            throw ProtocolError(.invalidValue, "endpoint \"\(text)\": the port must be a number from 1 to 65535")
        }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
