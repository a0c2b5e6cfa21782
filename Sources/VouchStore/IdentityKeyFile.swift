public import Foundation
public import VouchCrypto

/// The identity key in the node home: written once, mode 0600, never overwritten; read only
/// when nobody else can read it.
public struct IdentityKeyFile: Sendable {
    public let url: URL

    public init(home: NodeHome) { url = home.keyFile }

    public var exists: Bool { FileManager.default.fileExists(atPath: url.path) }

    public func create(_ key: Ed25519PrivateKey, passphrase: [UInt8]?) throws {
        var contents = Array(try key.pkcs8PEM(passphrase: passphrase).utf8)
        defer { contents.cleanse() }
        try SecureFile.createExclusively(url, contents: contents, mode: 0o600)
    }

    public var isEncrypted: Bool {
        guard let bytes = try? SecureFile.readPrivate(url) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("ENCRYPTED PRIVATE KEY")
    }

    public func load(passphrase: [UInt8]?) throws -> Ed25519PrivateKey {
        var bytes = try SecureFile.readPrivate(url)
        defer { bytes.cleanse() }
        do {
            return try Ed25519PrivateKey(pkcs8PEM: bytes, passphrase: passphrase)
        } catch let error as CryptoError {
            // Name the file: a user with several homes must know which key is at fault.
            // A key of another algorithm in the file is a damaged home, not bad input.
            throw CryptoError(error.code == .invalidKey ? .keyFileCorrupt : error.code, "\(url.path): \(error.message)")
        }
    }
}
