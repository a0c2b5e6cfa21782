import Foundation
import Testing
import VouchCrypto
@testable import VouchProtocol

/// Bytes from a hex literal in a test table. A typo in a table is a test bug: stop loudly.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text.filter { !$0.isWhitespace }) else {
        preconditionFailure("bad hex literal in a test: \(text)")
    }
    return bytes
}

/// The seeds of RFC 8032 §7.1 tests 1–3: fixed keys anyone can recreate.
enum FixedKeys {
    static let seed1 = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let seed2 = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    static let seed3 = hex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
    /// The public keys RFC 8032 gives for those seeds.
    static let public1 = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    static let public2 = hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    static let public3 = hex("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")

    static func key(_ seed: [UInt8]) -> Ed25519PrivateKey {
        do { return try Ed25519PrivateKey(seed: seed) } catch { preconditionFailure("fixed seed refused: \(error)") }
    }
    static var key1: Ed25519PrivateKey { key(seed1) }
    static var key2: Ed25519PrivateKey { key(seed2) }
    static var key3: Ed25519PrivateKey { key(seed3) }

    /// The encoding of the identity point (order 1), the simplest small-order key.
    static let identityPoint = [UInt8(1)] + [UInt8](repeating: 0, count: 31)
    /// y = 2^255 - 1 ≥ p: a non-canonical encoding.
    static let nonCanonicalY = [UInt8](repeating: 0xFF, count: 31) + [0x7F]
}

/// Runs `body`, requires it to throw a `ProtocolError` with `code`, and returns the error so a
/// test can also check what the message names. Any other outcome is recorded as an issue.
@discardableResult
func expectProtocolError<T>(_ code: ProtocolError.Code, _ comment: @autoclosure () -> String = "",
                            sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> T) -> ProtocolError? {
    do {
        let value = try body()
        Issue.record("expected ProtocolError \(code), got a value: \(value). \(comment())", sourceLocation: sourceLocation)
        return nil
    } catch let error as ProtocolError {
        #expect(error.code == code, "got \(error.code): \(error.message). \(comment())", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected ProtocolError \(code), got \(type(of: error)): \(error). \(comment())", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error code `body` throws, or nil when it succeeds. Non-protocol errors are test failures.
func protocolErrorCode(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> ProtocolError.Code? {
    do {
        try body()
        return nil
    } catch let error as ProtocolError {
        return error.code
    } catch {
        Issue.record("expected a ProtocolError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A node ID's human form for arbitrary 32 bytes, even ones the key policy refuses, built from
/// the same base32 and Luhn pieces `NodeID` uses (for IDs a real key can never have).
func humanForm(ofRawKey raw: [UInt8]) -> String {
    humanForm(ofCharacters: Base32.encode(raw))
}

/// Groups 52 base32 characters into the 8×7 human form, adding the four check characters.
func humanForm(ofCharacters chars: [UInt8]) -> String {
    precondition(chars.count == 52)
    var withChecks: [UInt8] = []
    for part in 0..<4 {
        let slice = chars[part * 13..<(part + 1) * 13]
        withChecks += slice
        withChecks.append(LuhnBase32.checkCharacter(for: slice))
    }
    return stride(from: 0, to: 56, by: 7)
        .map { String(decoding: withChecks[$0..<$0 + 7], as: UTF8.self) }
        .joined(separator: "-")
}
