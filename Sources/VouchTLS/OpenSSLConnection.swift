internal import COpenSSL
import NIOCore
import VouchCrypto

/// One TLS connection: an OpenSSL `SSL` between two memory BIOs. The handler writes ciphertext
/// from the network into the read BIO and sends whatever OpenSSL left in the write BIO, so
/// OpenSSL never touches a socket and the same code runs over an `EmbeddedChannel` in tests.
///
/// Every step follows one pattern: clear the error queue (so a stale entry is not blamed on
/// this call), call, ask `SSL_get_error`, and map to `OpenSSLResult`; on failure the queue is
/// drained into the `TLSError`. Not thread-safe: used only on its channel's event loop.
final class OpenSSLConnection {
    /// The outcome of one OpenSSL step.
    enum OpenSSLResult: Equatable {
        /// The step finished (handshake done, bytes written, or some plaintext read).
        case complete
        /// OpenSSL needs more bytes from the peer.
        case incomplete
        /// The peer sent close_notify.
        case closeNotify
        case failed(TLSError)
    }

    /// What the handshake established, for `TLSHandshakeCompleted`.
    struct HandshakeSummary {
        /// Nil on a relay client, whose peer is identified by its certificate's digest only.
        var peerKey: Ed25519PublicKey?
        var protocolVersion: String
        var cipher: String
        var keyExchangeGroup: String
        var applicationProtocol: String
    }

    private let ssl: OpaquePointer
    /// Ciphertext from the peer, read by OpenSSL. Owned by `ssl`.
    private let readBIO: OpaquePointer
    /// Ciphertext for the peer, written by OpenSSL. Owned by `ssl`.
    private let writeBIO: OpaquePointer
    let record: HandshakeRecord
    /// Keeps the `SSL_CTX` alive as long as the `SSL` made from it (OpenSSL counts its own
    /// reference too; this makes the ownership visible on the Swift side).
    private let configuration: TLSConfiguration

    init(configuration: TLSConfiguration, isClient: Bool, expectedPeerKey: Ed25519PublicKey?,
         expectedCertificateDigest: [UInt8]? = nil) throws {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(configuration.context) else {
            throw TLSError(.configuration, "SSL_new failed", openSSLErrors: OpenSSLErrorQueue.drain())
        }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError(.configuration, "BIO_new failed", openSSLErrors: OpenSSLErrorQueue.drain())
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw TLSError(.configuration, "BIO_new failed", openSSLErrors: OpenSSLErrorQueue.drain())
        }
        // An empty read BIO means "no bytes yet" (retry), not end of file: EOF is the handler's
        // decision, made from the channel, through the state machine.
        _ = vouch_BIO_set_mem_eof_return(readBIO, -1)
        _ = vouch_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.configuration = configuration
        self.record = HandshakeRecord(isClient: isClient, expectedPeerKey: expectedPeerKey,
                                      expectedCertificateDigest: expectedCertificateDigest)
        guard record.attach(to: ssl) else {
            throw TLSError(.configuration, "SSL_set_ex_data failed", openSSLErrors: OpenSSLErrorQueue.drain())
        }
        if isClient { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
    }

    deinit { SSL_free(ssl) }

    /// Hands bytes received from the peer to OpenSSL.
    func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, Int(Int32.max))
                // A memory BIO grows as needed, so a write takes everything or fails on allocation.
                let written = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(chunk))
                precondition(written == Int32(chunk), "BIO_write to a memory BIO failed")
                offset += chunk
            }
        }
    }

    /// Ciphertext OpenSSL produced for the peer since the last call, if any.
    func takeOutbound(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { out in
            Int(max(0, BIO_read(writeBIO, out.baseAddress, Int32(min(pending, Int(Int32.max))))))
        }
        return buffer
    }

    /// One handshake step. On `.complete` the peer key and ALPN have been checked.
    func handshake() -> OpenSSLResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        return map(rc, duringHandshake: true)
    }

    /// What the finished handshake established. Fails if a check the callbacks should already
    /// have made does not hold (defence in depth: this is what the handler reports upward).
    func handshakeSummary() -> Result<HandshakeSummary, TLSError> {
        if record.expectedCertificateDigest != nil {
            return relayHandshakeSummary()
        }
        guard let peerKey = record.peerKey else {
            return .failure(TLSError(.noPeerCertificate, "the handshake completed without a verified peer key"))
        }
        if let peerCertificate = SSL_get0_peer_certificate(ssl), let pkey = X509_get0_pubkey(peerCertificate) {
            var raw = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
            var length = raw.count
            guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519,
                  EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1,
                  ConstantTime.equals(raw, peerKey.rawRepresentation) else {
                return .failure(TLSError(.peerKeyMismatch, "the peer certificate does not hold the verified key"))
            }
        } else {
            return .failure(TLSError(.noPeerCertificate, "the handshake completed without a peer certificate"))
        }
        let alpn: String
        if let selected = VouchALPN.selectedProtocol(ssl), selected == VouchALPN.protocolName {
            alpn = selected
        } else if !record.isClient, configuration.profile.toleratesMissingALPN, VouchALPN.selectedProtocol(ssl) == nil {
            alpn = ""  // a benchmark context only (TLSConfiguration.toleratingMissingALPNForBenchmarks)
        } else {
            return .failure(TLSError(.alpnMismatch, "the handshake completed without \(VouchALPN.protocolName)"))
        }
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        let group = vouch_SSL_negotiated_group_name(ssl).map { String(cString: $0) } ?? "unknown"
        return .success(HandshakeSummary(peerKey: peerKey, protocolVersion: version, cipher: cipher, keyExchangeGroup: group,
                                         applicationProtocol: alpn))
    }

    /// A relay client's summary: the relay's certificate matched its digest and it selected
    /// `bep-relay`, or the handshake fails.
    private func relayHandshakeSummary() -> Result<HandshakeSummary, TLSError> {
        guard record.certificateDigestMatched, SSL_get0_peer_certificate(ssl) != nil else {
            return .failure(TLSError(.noPeerCertificate, "the handshake completed without the relay's certificate checked"))
        }
        guard let selected = VouchALPN.selectedProtocol(ssl), selected == TLSConfiguration.relayProtocolName else {
            return .failure(TLSError(.alpnMismatch, "the relay did not select \(TLSConfiguration.relayProtocolName)"))
        }
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? "unknown"
        let group = vouch_SSL_negotiated_group_name(ssl).map { String(cString: $0) } ?? "unknown"
        return .success(HandshakeSummary(peerKey: nil, protocolVersion: version, cipher: cipher, keyExchangeGroup: group,
                                         applicationProtocol: selected))
    }

    /// Decrypts up to the writable space of `buffer` (at least 1 byte is required).
    /// `.complete` means plaintext was appended; call again until another result.
    func read(into buffer: inout ByteBuffer) -> OpenSSLResult {
        OpenSSLErrorQueue.clear()
        var rc: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { out in
            rc = SSL_read(ssl, out.baseAddress, Int32(min(out.count, Int(Int32.max))))
            return rc > 0 ? Int(rc) : 0
        }
        if rc > 0 { return .complete }
        return map(rc, duringHandshake: false)
    }

    /// Encrypts all of `buffer`; the records wait in the write BIO for `takeOutbound`.
    func write(_ buffer: ByteBuffer) -> OpenSSLResult {
        guard buffer.readableBytes > 0 else { return .complete }
        var offset = 0
        return buffer.withUnsafeReadableBytes { bytes in
            while offset < bytes.count {
                OpenSSLErrorQueue.clear()
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let rc = SSL_write(ssl, bytes.baseAddress! + offset, Int32(chunk))
                guard rc > 0 else { return map(rc, duringHandshake: false) }
                offset += Int(rc)
            }
            return .complete
        }
    }

    /// Queues our close_notify. OpenSSL refuses while a handshake is unfinished, which is fine:
    /// the state machine only asks for it on an established connection.
    func sendCloseNotify() -> OpenSSLResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_shutdown(ssl)
        if rc >= 0 { return .complete }
        return map(rc, duringHandshake: false)
    }

    private func map(_ rc: Int32, duringHandshake: Bool) -> OpenSSLResult {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        default:
            return .failed(error(duringHandshake: duringHandshake, openSSLErrors: OpenSSLErrorQueue.drain()))
        }
    }

    /// The most precise error available: our callbacks' reason first, then the alert that
    /// ended the connection, then OpenSSL's own.
    private func error(duringHandshake: Bool, openSSLErrors: String) -> TLSError {
        if let refusal = record.refusal {
            return TLSError(refusal.code, refusal.message, openSSLErrors: openSSLErrors)
        }
        if let alert = record.alertReceived {
            if alert.meansCertificateRefused {
                return TLSError(.rejectedByPeer, "the peer refused our certificate (alert \(alert))", openSSLErrors: openSSLErrors)
            }
            if alert == .noApplicationProtocol {
                return TLSError(.alpnMismatch, "the peer does not speak \(VouchALPN.protocolName) (alert \(alert))", openSSLErrors: openSSLErrors)
            }
            return TLSError(duringHandshake ? .handshakeFailed : .protocolError, "the peer sent alert \(alert)", openSSLErrors: openSSLErrors)
        }
        if !record.isClient, record.alertSent == .certificateRequired {
            return TLSError(.noPeerCertificate, "the client sent no certificate", openSSLErrors: openSSLErrors)
        }
        let sent = record.alertSent.map { " (we sent alert \($0))" } ?? ""
        return duringHandshake
            ? TLSError(.handshakeFailed, "the TLS handshake failed\(sent)", openSSLErrors: openSSLErrors)
            : TLSError(.protocolError, "a TLS record could not be processed\(sent)", openSSLErrors: openSSLErrors)
    }
}
