import Foundation
import Testing
import VouchCrypto
import VouchProtocol

@Suite("vouch profile export and vouch verify")
struct ExportVerifyTests {
    /// A node whose profile has everyone-fields and connections-only fields; returns its ID.
    private func makeNode(_ box: Sandbox, home: URL? = nil, name: String = "Ada Lovelace") throws -> String {
        let id = try box.initNode(home: home)
        let set = try box.vouch(["profile", "set", "--name", name, "--headline", "Analyst",
                                 "--location", "London", "--audience", "location=connections",
                                 "--link", "https://example.org/ada", "--audience", "links=connections",
                                 "--endpoint", "ada.example.org:7868"], home: home)
        try #require(set.status == 0, "\(set)")
        return id
    }

    private func export(_ box: Sandbox, _ arguments: [String] = [], home: URL? = nil) throws -> Data {
        let result = try box.vouch(["profile", "export"] + arguments, home: home)
        try #require(result.status == 0, "\(result)")
        return result.stdoutData
    }

    /// `vouch verify --json` of `data` written to a file (no --home: verify needs none).
    private func verify(_ box: Sandbox, _ data: Data, name: String = "card.vouch") throws -> VouchResult {
        let file = box.path(name)
        try data.write(to: file)
        return try box.vouch(["verify", "--json", file.path], useHome: false)
    }

    @Test func exportIsArmoredAndVerifiesAsTheSignerWithOnlyEveryoneFields() throws {
        let box = try Sandbox()
        let id = try makeNode(box)
        let card = try export(box)
        let text = String(decoding: card, as: UTF8.self)
        #expect(text.hasPrefix("-----BEGIN VOUCH SIGNED DOCUMENT-----\n"))
        #expect(text.hasSuffix("-----END VOUCH SIGNED DOCUMENT-----\n"))
        #expect(text.split(separator: "\n").dropFirst().dropLast().allSatisfy { $0.count <= 64 })

        let result = try verify(box, card)
        #expect(result.status == 0, "\(result)")
        let json = try result.json()
        #expect(json["valid"] as? Bool == true)
        #expect(json["type"] as? String == "vouch.profile")
        #expect(json["format"] as? Int == 1)
        #expect(json["signer"] as? String == id)
        #expect(json["signer_short"] as? String == String(id.prefix(7)))
        let document = try #require(json["document"] as? [String: Any])
        #expect(document["audience"] as? String == "everyone")
        #expect(document["version"] as? Int == 1)
        #expect(document["fields"] as? [String: String] == ["name": "Ada Lovelace", "headline": "Analyst"])
        #expect(document["links"] as? [String] == [])
        #expect(document["endpoints"] as? [String] == ["ada.example.org:7868"])

        let textResult = try box.vouch(["verify", box.path("card.vouch").path], useHome: false)
        #expect(textResult.status == 0)
        #expect(textResult.stdout.hasPrefix("Valid vouch.profile document signed by \(id)\n"))
        #expect(textResult.stdout.contains("Ada Lovelace"))
        #expect(!textResult.stdout.contains("London"))
        #expect(!textResult.stdout.contains("example.org/ada"))
    }

    @Test func connectionsViewBinaryOutputFileAndStandardInput() throws {
        let box = try Sandbox()
        let id = try makeNode(box)

        let connections = try verify(box, try export(box, ["--audience", "connections"]))
        let document = try #require(try connections.json()["document"] as? [String: Any])
        #expect(document["audience"] as? String == "connections")
        #expect(document["fields"] as? [String: String] == ["name": "Ada Lovelace", "headline": "Analyst", "location": "London"])
        #expect(document["links"] as? [String] == ["https://example.org/ada"])

        let binary = try export(box, ["--binary"])
        #expect(!binary.starts(with: Data("-----".utf8)))
        #expect(try verify(box, binary, name: "card.bin").json()["signer"] as? String == id)

        let file = box.path("written.vouch")
        let written = try box.vouch(["profile", "export", "--json", "-o", file.path])
        #expect(written.status == 0, "\(written)")
        let info = try written.json()
        #expect(info["file"] as? String == file.path)
        #expect(info["version"] as? Int == 1)
        #expect(info["audience"] as? String == "everyone")
        #expect(info["bytes"] as? Int == (try Data(contentsOf: file)).count)
        #expect(try box.vouch(["verify", file.path], useHome: false).status == 0)
        // Replacing it is fine (it is the user's own output file).
        #expect(try box.vouch(["profile", "export", "--binary", "--output", file.path]).status == 0)
        #expect(try box.vouch(["verify", "--json", file.path], useHome: false).json()["signer"] as? String == id)

        let jsonExport = try box.vouch(["profile", "export", "--json"])
        let armored = try #require(try jsonExport.json()["document"] as? String)
        let piped = try box.vouch(["verify", "--json", "-"], useHome: false, stdin: Data(armored.utf8))
        #expect(try piped.json()["signer"] as? String == id)
    }

    @Test func exportOfAnEmptyProfileIsRefused() throws {
        let box = try Sandbox()
        try box.initNode()
        try box.vouch(["profile", "export", "--json"]).expectFailure(66, code: "empty-profile")
    }

    @Test func verifyNeedsNoHomeAndCreatesNone() throws {
        let box = try Sandbox()
        try makeNode(box)
        let card = try export(box)
        let elsewhere = try Sandbox()
        let file = elsewhere.path("card.vouch")
        try card.write(to: file)
        let result = try elsewhere.vouch(["verify", file.path], useHome: false)
        #expect(result.status == 0, "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.userHome.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: elsewhere.home.path))
    }

    @Test func verifyOfAMissingFile() throws {
        let box = try Sandbox()
        try box.vouch(["verify", "--json", box.path("nothing.vouch").path], useHome: false).expectFailure(66, code: "not-found")
        try box.vouch(["verify", box.path("nothing.vouch").path], useHome: false).expectFailure(66)
    }

    /// Text edits of an armored card, each with the error it must give.
    @Test func tamperedArmorIsRefused() throws {
        let box = try Sandbox()
        try makeNode(box)
        let card = String(decoding: try export(box), as: UTF8.self)
        let envelope = try DocumentArmor.dearmor(Array(card.utf8))
        var lines = card.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        func replacingBase64Character(at index: Int) -> String {
            // `index` counts base64 characters of the body (64 per line).
            var body = Array(lines[1..<(lines.count - 2)].joined())
            body[index] = body[index] == "A" ? "B" : "A"
            let joined = String(body)
            var out = [lines[0]]
            var i = joined.startIndex
            while i < joined.endIndex {
                let end = joined.index(i, offsetBy: 64, limitedBy: joined.endIndex) ?? joined.endIndex
                out.append(String(joined[i..<end])); i = end
            }
            return (out + [lines[lines.count - 2], ""]).joined(separator: "\n")
        }
        // A character in the payload (inside "Ada Lovelace") and one in the signature: both
        // leave well-formed CBOR, so only the signature check can catch them.
        let payloadOffset = try #require(Self.firstIndex(of: Array("Ada Lovelace".utf8), in: envelope))
        let payloadChar = ((payloadOffset + 3) / 3) * 4 + 1
        let signatureChar = ((envelope.count - 32) / 3) * 4 + 1
        for index in [payloadChar, signatureChar] {
            let result = try verify(box, Data(replacingBase64Character(at: index).utf8))
            result.expectFailure(65, code: "bad-signature")
            #expect(result.errorMessage.contains("signature does not verify"), "\(result)")
        }

        var header = lines
        header[0] = "-----BEGIN VOUCH SIGNED DOCUMENX-----"
        let badHeader = try verify(box, Data(header.joined(separator: "\n").utf8))
        badHeader.expectFailure(65, code: "invalid-armor")
        #expect(badHeader.errorMessage.contains("first line"), "\(badHeader)")

        let truncated = try verify(box, Data(card.utf8.prefix(card.utf8.count / 2)))
        truncated.expectFailure(65, code: "invalid-armor")

        let cutAtLine = try verify(box, Data((lines[0..<3] + [""]).joined(separator: "\n").utf8))
        cutAtLine.expectFailure(65, code: "invalid-armor")
        #expect(cutAtLine.errorMessage.contains("last line"), "\(cutAtLine)")

        let appended = try verify(box, Data((card + "garbage\n").utf8))
        appended.expectFailure(65, code: "invalid-armor")
        #expect(appended.errorMessage.contains("last line"), "\(appended)")

        let crlf = try verify(box, Data(card.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        crlf.expectFailure(65, code: "invalid-armor")

        lines[1].removeLast()
        let shortLine = try verify(box, Data(lines.joined(separator: "\n").utf8))
        shortLine.expectFailure(65, code: "invalid-armor")
        #expect(shortLine.errorMessage.contains("armor line 2"), "\(shortLine)")

        let text = try box.vouch(["verify", box.path("card.vouch").path], useHome: false)
        text.expectFailure(65)
        #expect(text.stderr.hasPrefix("vouch: error: ") && text.stderr.split(separator: "\n").count == 1, "\(text)")
    }

    @Test func tamperedBinaryIsRefused() throws {
        let box = try Sandbox()
        try makeNode(box)
        let binary = try export(box, ["--binary"])
        try verify(box, binary.prefix(binary.count - 10), name: "cut.bin").expectFailure(65, code: "truncated")
        try verify(box, binary + Data([0x00]), name: "long.bin").expectFailure(65, code: "trailing-bytes")
        try verify(box, Data(), name: "empty.bin").expectFailure(65)
        try verify(box, Data("hello\n".utf8), name: "text.bin").expectFailure(65)
        var flipped = binary
        flipped[flipped.count - 1] ^= 0x01
        try verify(box, flipped, name: "flipped.bin").expectFailure(65, code: "bad-signature")
    }

    /// Documents built from a real card by someone who holds a key: the type changed, another
    /// node's signature put on it, another node signing the same content.
    @Test func retypedAndForeignSignedDocuments() throws {
        let box = try Sandbox()
        let ada = try makeNode(box)
        let otherHome = box.path("mallory")
        let mallory = try box.initNode(home: otherHome)
        let malloryKey = try Ed25519PrivateKey(pkcs8PEM: Array(try Data(contentsOf: otherHome.appendingPathComponent("identity.key"))),
                                               passphrase: nil)
        let original = try SignedEnvelope(verifying: try DocumentArmor.dearmor(Array(try export(box))))
        #expect(original.signer.description == ada)

        func envelope(type: String, signer: [UInt8], signature: [UInt8]) -> Data {
            Data(DocumentArmor.armor(CBORValue.array([.text(type), .unsigned(1), .bytes(signer), .bytes(original.payload),
                                                       .bytes(signature)]).encoded).utf8)
        }

        // Ada's signature under another type name: the type is signed, so it fails.
        let retyped = try verify(box, envelope(type: "vouch.invitation", signer: original.signer.rawRepresentation,
                                               signature: original.signature))
        retyped.expectFailure(65, code: "bad-signature")

        // Ada named as the signer, Mallory's signature.
        let input = SignedEnvelope.signatureInput(type: original.type, formatVersion: 1,
                                                  signer: original.signer.rawRepresentation, payload: original.payload)
        let forged = try verify(box, envelope(type: original.type, signer: original.signer.rawRepresentation,
                                              signature: try malloryKey.signature(for: input)))
        forged.expectFailure(65, code: "bad-signature")
        #expect(forged.errorMessage.contains(ada), "the message names the claimed signer: \(forged)")

        // Mallory's signature on Ada's card, named as Mallory: valid, and it says Mallory signed it.
        let copied = SignedEnvelope.signatureInput(type: original.type, formatVersion: 1,
                                                   signer: malloryKey.publicKey.rawRepresentation, payload: original.payload)
        let copy = try verify(box, envelope(type: original.type, signer: malloryKey.publicKey.rawRepresentation,
                                            signature: try malloryKey.signature(for: copied)))
        #expect(copy.status == 0, "\(copy)")
        #expect(try copy.json()["signer"] as? String == mallory)

        // A correctly signed document of a type this version does not know.
        let unknownInput = SignedEnvelope.signatureInput(type: "vouch.invitation", formatVersion: 1,
                                                         signer: malloryKey.publicKey.rawRepresentation, payload: original.payload)
        try verify(box, envelope(type: "vouch.invitation", signer: malloryKey.publicKey.rawRepresentation,
                                 signature: try malloryKey.signature(for: unknownInput)))
            .expectFailure(65, code: "unknown-document-type")
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
