import Testing
import VouchCrypto

@Suite("SHA-256: FIPS 180 examples")
struct SHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let input: [UInt8]
        let digest: String
        let testDescription: String
    }

    static let vectors: [Vector] = [
        Vector(input: Array("abc".utf8),
               digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               testDescription: "\"abc\""),
        Vector(input: [],
               digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               testDescription: "empty"),
        Vector(input: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
               digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
               testDescription: "448 bits"),
        Vector(input: Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
               digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
               testDescription: "896 bits"),
        Vector(input: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
               digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
               testDescription: "one million a"),
    ]

    @Test(arguments: vectors)
    func digest(_ vector: Vector) {
        #expect(Hex.encode(SHA256.hash(vector.input)) == vector.digest)
    }

    @Test("any collection of bytes hashes the same as its array")
    func collections() {
        let bytes = Array("abc".utf8)
        #expect(SHA256.hash(bytes[...]) == SHA256.hash(bytes))
        #expect(SHA256.hash("abc".utf8) == SHA256.hash(bytes))
        #expect(SHA256.hash(bytes).count == SHA256.byteCount)
    }
}
