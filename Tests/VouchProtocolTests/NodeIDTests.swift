import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Node IDs")
struct NodeIDTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let keys = [FixedKeys.public1, FixedKeys.public2, FixedKeys.public3]

    static func id(_ raw: [UInt8]) -> NodeID {
        do { return NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: raw)) } catch { preconditionFailure("\(error)") }
    }

    static var sample: NodeID { id(FixedKeys.public1) }

    @Test("the human form is eight groups of seven base32 characters", arguments: keys)
    func humanFormShape(raw: [UInt8]) {
        let text = Self.id(raw).description
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        #expect(groups.count == 8)
        for group in groups {
            #expect(group.count == 7)
            #expect(group.allSatisfy { Self.alphabet.contains($0) }, "\(group)")
        }
    }

    @Test("the human form is base32 of the key in four parts of 13, each followed by its Luhn check character")
    func humanFormLayout() {
        let id = Self.sample
        let plain = Array(id.description.replacing("-", with: ""))
        let base32 = Array(String(decoding: Base32.encode(id.rawRepresentation), as: UTF8.self))
        #expect(base32.count == 52)
        for part in 0..<4 {
            #expect(Array(plain[part * 14..<part * 14 + 13]) == Array(base32[part * 13..<part * 13 + 13]))
        }
        // The last base32 character carries one key bit and four zero bits.
        #expect(["A", "Q"].contains(base32[51]))
    }

    @Test("known human forms (RFC 8032 test keys)")
    func knownForms() {
        #expect(Self.id(FixedKeys.public1).description == "25NJQAM-CWEFLPM-VKL73J4-SZAHHIT-HOC4XT3-KTCGJNJ-PAINGR5-YHKENAI")
    }

    @Test("the human form parses back to the same ID", arguments: keys)
    func roundTrip(raw: [UInt8]) throws {
        let id = Self.id(raw)
        #expect(try NodeID(parsing: id.description) == id)
        #expect(try NodeID(parsing: id.description).rawRepresentation == raw)
    }

    @Test("the short form is the first group")
    func shortForm() {
        for raw in Self.keys {
            let id = Self.id(raw)
            #expect(id.shortForm == String(id.description.prefix(7)))
            #expect(id.shortForm.count == 7)
            #expect(!id.shortForm.contains("-"))
        }
    }

    @Test("IDs order by their key bytes")
    func ordering() {
        let ids = Self.keys.map(Self.id).sorted()
        #expect(ids.map(\.rawRepresentation) == Self.keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    static func lookAlikes(_ text: String) -> String {
        String(text.map { c -> Character in
            switch c {
            case "O": "0"
            case "I": "1"
            case "B": "8"
            default: c
            }
        })
    }

    @Test("parsing forgives case, separators and the look-alikes 0, 1 and 8", arguments: keys)
    func forgivingParse(raw: [UInt8]) throws {
        let id = Self.id(raw)
        let text = id.description
        let plain = text.replacing("-", with: "")
        let spaced = text.replacing("-", with: " ")
        let variants = [
            text.lowercased(),
            plain,
            plain.lowercased(),
            spaced,
            " \(spaced) ",
            "\t" + text,
            Self.lookAlikes(text),
            Self.lookAlikes(text).lowercased(),
            String(plain.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.lowercased()) : $0.element }),
            text.replacing("-", with: "--"),
        ]
        for variant in variants {
            #expect(try NodeID(parsing: variant) == id, "\(variant)")
        }
    }

    @Test("the sample ID contains each look-alike target, so the forgiving test above exercises all three")
    func sampleHasLookAlikes() {
        let all = Self.keys.map { Self.id($0).description }.joined()
        for c in "OIB" { #expect(all.contains(c)) }
    }

    @Test("wrong length is refused and named")
    func wrongLength() {
        let text = Self.sample.description
        let short = expectProtocolError(.invalidNodeID) { try NodeID(parsing: String(text.dropLast())) }
        #expect(short?.message.contains("this has 55") == true)
        #expect(short?.message.contains("missing") == true)
        let long = expectProtocolError(.invalidNodeID) { try NodeID(parsing: text + "A") }
        #expect(long?.message.contains("this has 57") == true)
        #expect(long?.message.contains("extra") == true)
        expectProtocolError(.invalidNodeID) { try NodeID(parsing: Self.sample.shortForm) }
        let empty = expectProtocolError(.invalidNodeID) { try NodeID(parsing: "") }
        #expect(empty?.message.contains("empty") == true)
        expectProtocolError(.invalidNodeID) { try NodeID(parsing: " - - ") }
    }

    @Test("an invalid character is refused and its position named",
          arguments: ["9", "@", "\u{00E9}", "\u{1F642}", "_", ".", "\u{FF21}" /* fullwidth A */, "\u{0}"])
    func invalidCharacter(bad: String) {
        let text = Self.sample.description
        // Position 10 counts every character typed, separators included.
        var chars = Array(text.unicodeScalars)
        chars[9] = bad.unicodeScalars.first!
        var replaced = String.UnicodeScalarView()
        replaced.append(contentsOf: chars)
        let error = expectProtocolError(.invalidNodeID, bad) { try NodeID(parsing: String(replaced)) }
        #expect(error?.message.contains("character 10") == true, "\(error?.message ?? "")")
    }

    @Test("every single-character substitution is caught by the check characters")
    func everySubstitution() throws {
        for raw in Self.keys {
            let plain = Array(Self.id(raw).description.replacing("-", with: ""))
            #expect(plain.count == 56)
            var accepted: [String] = []
            for position in 0..<56 {
                for replacement in Self.alphabet where replacement != plain[position] {
                    var changed = plain
                    changed[position] = replacement
                    let code = protocolErrorCode { _ = try NodeID(parsing: String(changed)) }
                    if code == nil { accepted.append("\(position):\(replacement)") }
                    // A substitution in the last part can make pad bits non-zero or a weak key,
                    // but the check character is tested first, so the code is always the same.
                    #expect(code == .invalidNodeID || code == nil)
                }
            }
            #expect(accepted.isEmpty, "substitutions that parsed: \(accepted)")
        }
    }

    @Test("look-alike substitutions are the only ones that pass, and give the same ID")
    func lookAlikeSubstitutions() throws {
        for raw in Self.keys {
            let id = Self.id(raw)
            let plain = Array(id.description.replacing("-", with: ""))
            for position in 0..<56 {
                let lookAlike: Character? = switch plain[position] { case "O": "0"; case "I": "1"; case "B": "8"; default: nil }
                guard let lookAlike else { continue }
                var changed = plain
                changed[position] = lookAlike
                #expect(try NodeID(parsing: String(changed)) == id)
            }
        }
    }

    @Test("the error for a mistyped character names the groups of its part")
    func checkErrorNamesGroups() {
        var plain = Array(Self.sample.description.replacing("-", with: ""))
        plain[30] = plain[30] == "A" ? "B" : "A"  // part 3 (characters 29–42), groups 5–6
        let error = expectProtocolError(.invalidNodeID) { try NodeID(parsing: String(plain)) }
        #expect(error?.message.contains("groups 5–6") == true, "\(error?.message ?? "")")
    }

    /// Luhn mod 32 catches a transposition of adjacent values a, b unless a + f(b) ≡ b + f(a),
    /// where f doubles and folds (2x for x < 16, 2x − 31 above). f(x) − x is x below 16 and
    /// x + 1 (mod 32) from 16 up, which repeats only for 0 and 31: the pair A and 7.
    static func transpositionIsUndetectable(_ a: Character, _ b: Character) -> Bool {
        Set([a, b]) == Set(["A", "7"])
    }

    @Test("adjacent transpositions are caught, except A↔7 inside a part, as Luhn mod 32 guarantees")
    func adjacentTranspositionsInSamples() {
        var tried = 0, caught = 0
        for raw in Self.keys {
            let plain = Array(Self.id(raw).description.replacing("-", with: ""))
            for position in 0..<55 where plain[position] != plain[position + 1] {
                var swapped = plain
                swapped.swapAt(position, position + 1)
                tried += 1
                let code = protocolErrorCode { _ = try NodeID(parsing: String(swapped)) }
                if code != nil { caught += 1 }
                let withinPart = position / 14 == (position + 1) / 14
                if !(withinPart && Self.transpositionIsUndetectable(plain[position], plain[position + 1])) {
                    #expect(code == .invalidNodeID, "swap at \(position) (\(plain[position])\(plain[position + 1])) parsed")
                }
            }
        }
        #expect(tried > 150)
        #expect(caught == tried, "caught \(caught) of \(tried) transpositions in the sample IDs")
    }

    @Test("Luhn mod 32 catches every adjacent transposition of distinct characters except A↔7 (exhaustive)")
    func adjacentTranspositionsExhaustive() {
        let ascii = Base32.alphabet
        var undetected: Set<String> = []
        let background = Array("MFZWI3DBONSGY".utf8)
        // Two data characters side by side, at every adjacent pair of data positions.
        for a in 0..<32 {
            for b in 0..<32 where a != b {
                for position in 0..<12 {
                    var data = background
                    data[position] = ascii[a]
                    data[position + 1] = ascii[b]
                    let check = LuhnBase32.checkCharacter(for: data)
                    data.swapAt(position, position + 1)
                    if LuhnBase32.checkCharacter(for: data) == check {
                        undetected.insert(String(decoding: [ascii[a], ascii[b]], as: UTF8.self))
                    }
                }
            }
        }
        // The last data character swapped with the check character after it.
        for a in 0..<32 {
            var data = background
            data[12] = ascii[a]
            let check = LuhnBase32.checkCharacter(for: data)
            guard check != ascii[a] else { continue }
            data[12] = check
            if LuhnBase32.checkCharacter(for: data) == ascii[a] {
                undetected.insert(String(decoding: [ascii[a], check], as: UTF8.self))
            }
        }
        #expect(undetected == ["A7", "7A"])
    }

    @Test("Luhn mod 32 catches every single substitution in a part (exhaustive over positions and characters)")
    func substitutionsExhaustive() {
        let ascii = Base32.alphabet
        let part = Array("25NJQAMCWEFLP".utf8)
        let check = LuhnBase32.checkCharacter(for: part)
        var full = part + [check]
        for position in 0..<14 {
            for replacement in ascii where replacement != full[position] {
                let original = full[position]
                full[position] = replacement
                #expect(LuhnBase32.checkCharacter(for: full[0..<13]) != full[13])
                full[position] = original
            }
        }
    }

    @Test("a worked Luhn mod 32 example (Protocol/identity.md)")
    func workedExample() {
        #expect(LuhnBase32.checkCharacter(for: Array("25NJQAMCWEFLP".utf8)) == UInt8(ascii: "M"))
    }

    @Test("non-zero pad bits are refused even with correct check characters")
    func nonZeroPadBits() {
        var chars = Base32.encode(FixedKeys.public1)
        // The last character holds the key's last bit then four pad bits; set a pad bit.
        let last = Base32.value(of: chars[51])!
        chars[51] = Base32.alphabet[last | 0b0001]
        #expect(chars != Base32.encode(FixedKeys.public1))
        let error = expectProtocolError(.invalidNodeID) { try NodeID(parsing: humanForm(ofCharacters: chars)) }
        #expect(error?.message.contains("not a valid key encoding") == true, "\(error?.message ?? "")")
    }

    @Test("a small-order or non-canonical key is refused as a weak key",
          arguments: [FixedKeys.identityPoint, FixedKeys.nonCanonicalY, [UInt8](repeating: 0, count: 32),
                      [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],
                      [0x01] + [UInt8](repeating: 0, count: 30) + [0x80]])
    func weakKey(raw: [UInt8]) {
        expectProtocolError(.weakKey) { try NodeID(parsing: humanForm(ofRawKey: raw)) }
    }

    @Test("the test helper builds the same human form as NodeID")
    func helperAgrees() {
        for raw in Self.keys { #expect(humanForm(ofRawKey: raw) == Self.id(raw).description) }
    }
}
