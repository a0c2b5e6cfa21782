import Foundation

/// Runs the system's `openssl speed` and reads its machine-readable (`-mr`) output, so our
/// figures can be set beside OpenSSL's own, measured in the same run on the same machine.
enum OpenSSLSpeed {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The sign and verify rates `openssl speed -seconds N -mr ed25519` reports.
    ///
    /// With `-mr`, the summary line for the EdDSA curves is
    /// `+F6:<index>:<bits>:<name>:<signs per second>:<verifies per second>`.
    static func ed25519(seconds: Int) throws -> (sign: Double, verify: Double) {
        let output = try run(["speed", "-seconds", String(seconds), "-mr", "ed25519"])
        for line in output.split(whereSeparator: \.isNewline) where line.hasPrefix("+F6:") {
            let fields = line.split(separator: ":")
            guard fields.count == 6, fields[3] == "Ed25519",
                  let sign = Double(fields[4]), let verify = Double(fields[5]) else {
                throw Failure(description: "unexpected openssl speed line: \(line)")
            }
            return (sign, verify)
        }
        throw Failure(description: "openssl speed printed no +F6 line:\n\(output)")
    }

    /// X25519 key agreements (`EVP_PKEY_derive`, one scalar multiplication each) per second that
    /// `openssl speed -seconds N -mr ecdhx25519` reports.
    ///
    /// With `-mr`, the summary line for ECDH is `+F5:<index>:<bits>:<operations per second>:<seconds
    /// per operation>`; X25519 is the curve of 253 bits.
    static func ecdhX25519(seconds: Int) throws -> Double {
        let output = try run(["speed", "-seconds", String(seconds), "-mr", "ecdhx25519"])
        for line in output.split(whereSeparator: \.isNewline) where line.hasPrefix("+F5:") {
            let fields = line.split(separator: ":")
            guard fields.count >= 4, fields[2] == "253", let rate = Double(fields[3]) else {
                throw Failure(description: "unexpected openssl speed line: \(line)")
            }
            return rate
        }
        throw Failure(description: "openssl speed printed no +F5 line:\n\(output)")
    }

    /// Bytes per second `openssl speed -evp <cipher> -bytes <bytes> -seconds N -mr` reports for
    /// one thread, one buffer size (per second of CPU time, as `openssl speed` divides by default).
    ///
    /// With `-mr`, the result line is `+F:<index>:<NAME>:<bytes per second>` (one rate per size).
    static func cipher(_ cipher: String, bytes: Int, seconds: Int) throws -> Double {
        let output = try run(["speed", "-evp", cipher, "-bytes", String(bytes), "-seconds", String(seconds), "-mr"])
        for line in output.split(whereSeparator: \.isNewline) where line.hasPrefix("+F:") {
            let fields = line.split(separator: ":")
            guard fields.count == 4, fields[2].lowercased() == cipher.lowercased(), let rate = Double(fields[3]) else {
                throw Failure(description: "unexpected openssl speed line: \(line)")
            }
            return rate
        }
        throw Failure(description: "openssl speed printed no +F line:\n\(output)")
    }

    /// `openssl args…`, its standard output as text; throws if it does not exit 0.
    private static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice  // progress lines we do not need
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
