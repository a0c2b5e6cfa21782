import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Relay device IDs")
struct RelayDeviceIDTests {
    /// The device ID strelaysrv 1.19.2 printed for a certificate whose DER hashes to these bytes
    /// (`openssl x509 -in cert.pem -outform DER | sha256sum`).
    static let strelaysrvHash = hex("2580ee6242001e0e03b85755cb3a5b222053c712c2ac0dc7dd3e0522cddc7d81")
    static let strelaysrvText = "EWAO4YS-CAAPA4F-A5YK5K4-WOS3EIB-QFHRYSY-KWA3R6B-5HYCSFT-O4PWAQO"

    @Test("the written form is Syncthing's, check characters included")
    func writesSyncthingForm() throws {
        #expect(try RelayDeviceID(bytes: Self.strelaysrvHash).description == Self.strelaysrvText)
        #expect(try RelayDeviceID(exactly: Self.strelaysrvText).bytes == Self.strelaysrvHash)
    }

    /// Syncthing's own formatting cases (lib/protocol/deviceid_test.go): every spelling reads as one ID.
    static let spellings = [
        "P56IOI7MZJNU2IQGDREYDM2MGTMGL3BXNPQ6W5BTBBZ4TJXZWICQ",
        "p56ioi7mzjnu2iqgdreydm2mgtmgl3bxnpq6w5btbbz4tjxzwicq",
        "P56IOI7 MZJNU2Y IQGDREY DM2MGTI MGL3BXN PQ6W5BM TBBZ4TJ XZWICQ2",
        "P561017MZJNU2YIQGDREYDM2MGTIMGL3BXNPQ6W5BMT88Z4TJXZWICQ2",
        "p56ioi7mzjnu2yiqgdreydm2mgtimgl3bxnpq6w5bmtbbz4tjxzwicq2",
    ]

    @Test("lenient reading forgives case, separators, look-alikes and missing check characters", arguments: spellings)
    func readsLeniently(text: String) throws {
        #expect(try RelayDeviceID(parsing: text).description == "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2")
    }

    static let refusedLeniently = [
        "", "a", "P56IOI7MZJNU2IQGDREYDM2MGTMGL3BXNPQ6W5BTBBZ4TJXZWICQCCCC",
        "P56IOI7-MZJNU2Z-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2",  // check character of part 1 wrong
        "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ9",  // 9 is not base32
        "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQé",
    ]

    @Test("lenient reading still refuses wrong lengths, wrong check characters and foreign characters", arguments: refusedLeniently)
    func refusesLeniently(text: String) {
        #expect(throws: ProtocolError.self) { try RelayDeviceID(parsing: text) }
    }

    static let refusedExactly = [
        "p56ioi7-mzjnu2y-iqgdrey-dm2mgti-mgl3bxn-pq6w5bm-tbbz4tj-xzwicq2",
        "P56IOI7MZJNU2YIQGDREYDM2MGTIMGL3BXNPQ6W5BMTBBZ4TJXZWICQ2",
        "P561017-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2",
        "P56IOI-7MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2",
    ]

    @Test("exact reading (endpoints) takes only the written form", arguments: refusedExactly)
    func refusesInexact(text: String) {
        #expect(throws: ProtocolError.self) { try RelayDeviceID(exactly: text) }
    }

    @Test("Syncthing's check character is not the node ID's Luhn")
    func checkCharacterDiffersFromNodeID() {
        let part = Array("AB725E4GHIQPL".utf8)
        #expect(RelayDeviceID.checkCharacter(for: Array("AB725E4GHIQPL3ZFGT".utf8)) == UInt8(ascii: "G"))
        #expect(RelayDeviceID.checkCharacter(for: part) != LuhnBase32.checkCharacter(for: part))
    }

    @Test("a device ID is 32 bytes")
    func refusesOtherLengths() {
        #expect(throws: ProtocolError.self) { try RelayDeviceID(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: ProtocolError.self) { try RelayDeviceID(bytes: [UInt8](repeating: 1, count: 33)) }
    }
}
