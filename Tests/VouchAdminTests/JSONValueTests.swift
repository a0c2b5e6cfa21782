import Foundation
import NIOCore
import Testing
@testable import VouchAdmin

@Suite struct JSONValueTests {
    @Test func roundTripKeepsEveryKind() throws {
        let value: JSONValue = [
            "null": nil, "bool": true, "int": 9_007_199_254_740_993, "double": 1.5, "string": "line\nbreak",
            "array": [1, "two", false], "object": ["nested": [:]],
        ]
        let line = AdminLineCodec.encode(value)
        #expect(line.readableBytesView.last == UInt8(ascii: "\n"))
        #expect(line.readableBytesView.dropLast().contains(UInt8(ascii: "\n")) == false)
        var body = line
        body.moveWriterIndex(to: body.writerIndex - 1)
        #expect(try AdminLineCodec.decode(body) == value)
    }

    @Test func keysAreSorted() {
        let line = AdminLineCodec.encode(AdminMessage.result(id: 3, ["b": 1, "a": 2]))
        #expect(String(buffer: line) == "{\"id\":3,\"result\":{\"a\":2,\"b\":1}}\n")
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(String(buffer: AdminLineCodec.encode([.double(.nan)])) == "[null]\n")
    }

    @Test(arguments: [
        ("[1]", "malformed", nil as Int64?),
        ("{\"method\":\"x\"}", "malformed", nil),
        ("{\"id\":4}", "malformed", 4),
        ("{\"id\":4,\"method\":\"x\",\"params\":[1]}", "malformed", 4),
    ])
    func invalidRequestsAreMalformed(text: String, code: String, id: Int64?) throws {
        let value = try AdminLineCodec.decode(ByteBuffer(string: text))
        guard case .failure(let failure) = AdminMessage.parseRequest(value) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(failure.error.reason.rawValue == code)
        #expect(failure.id == id)
    }

    @Test func missingParamsBecomeAnEmptyObject() throws {
        let value = try AdminLineCodec.decode(ByteBuffer(string: "{\"id\":1,\"method\":\"status\"}"))
        #expect(try AdminMessage.parseRequest(value).get() == AdminMessage.Request(id: 1, method: "status", params: [:]))
    }
}
