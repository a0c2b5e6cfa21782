import Foundation
import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("The node's relay certificate")
struct RelayCertificateTests {
    @Test("the same key always makes the same certificate, so the same device ID")
    func deterministic() throws {
        let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let a = try RelayCertificate(key: try Ed25519PrivateKey(seed: seed))
        let b = try RelayCertificate(key: try Ed25519PrivateKey(seed: seed))
        #expect(a.der == b.der)
        #expect(a.deviceID == b.deviceID)
        let other = try RelayCertificate(key: try Ed25519PrivateKey())
        #expect(other.deviceID != a.deviceID)
    }

    @Test("OpenSSL reads it: the identity key, its own signature verifies, the fixed names and dates")
    func opensslReadsIt() throws {
        let key = try Ed25519PrivateKey()
        let certificate = try RelayCertificate(key: key)
        #expect(try SelfSignedCertificate.ed25519PublicKey(fromDER: certificate.der) == key.publicKey)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-cert-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cert.der")
        try Data(certificate.der).write(to: file)
        let text = try run("/usr/bin/openssl", ["x509", "-inform", "DER", "-in", file.path, "-noout", "-subject", "-issuer", "-dates", "-serial"])
        #expect(text.contains("subject=CN = vouch-relay"))
        #expect(text.contains("issuer=CN = vouch-relay"))
        #expect(text.contains("notBefore=Jan  1 00:00:00 1970 GMT"))
        #expect(text.contains("notAfter=Dec 31 23:59:59 9999 GMT"))
        #expect(text.contains("serial=01"))
        let pem = directory.appendingPathComponent("cert.pem")
        try SelfSignedCertificate(der: certificate.der).pem.write(to: pem, atomically: true, encoding: .utf8)
        let verify = try run("/usr/bin/openssl", ["verify", "-no_check_time", "-CAfile", pem.path, pem.path])
        #expect(verify.contains(": OK"))
    }

    private func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
