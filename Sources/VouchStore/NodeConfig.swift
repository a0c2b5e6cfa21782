import Foundation
public import VouchProtocol

/// Settings in `config.json` in the node home (Docs/running.md). Unknown keys are refused so a
/// misspelt setting is reported instead of silently ignored.
public struct NodeConfig: Sendable, Equatable {
    /// The default TCP port of a Vouch node.
    public static let defaultPort: UInt16 = 7868

    /// Where `vouch run` listens.
    public var listen: Endpoint
    /// How others reach this node, as published in the profile and the address; defaults to `listen`.
    public var advertise: [Endpoint]

    public init(listen: Endpoint, advertise: [Endpoint] = []) {
        self.listen = listen
        self.advertise = advertise
    }

    public static var `default`: NodeConfig {
        NodeConfig(listen: try! Endpoint(parsing: "0.0.0.0:\(defaultPort)"))
    }

    private static let knownKeys: Set<String> = ["listen", "advertise"]

    public init(json bytes: [UInt8], source: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw StoreError(.invalidConfig, "\(source) is not valid JSON")
        }
        guard let dict = object as? [String: Any] else { throw StoreError(.invalidConfig, "\(source) must hold a JSON object") }
        if let unknown = dict.keys.filter({ !Self.knownKeys.contains($0) }).sorted().first {
            throw StoreError(.invalidConfig, "\(source): unknown setting \"\(unknown)\" (known: \(Self.knownKeys.sorted().joined(separator: ", ")))")
        }
        var config = NodeConfig.default
        do {
            if let listen = dict["listen"] {
                guard let text = listen as? String else { throw StoreError(.invalidConfig, "\(source): \"listen\" must be a \"host:port\" string") }
                config.listen = try Endpoint(parsing: text)
            }
            if let advertise = dict["advertise"] {
                guard let list = advertise as? [String] else {
                    throw StoreError(.invalidConfig, "\(source): \"advertise\" must be a list of \"host:port\" strings")
                }
                config.advertise = try list.map(Endpoint.init(parsing:))
            }
        } catch let error as ProtocolError {
            throw StoreError(.invalidConfig, "\(source): \(error.message)")
        }
        self = config
    }

    public var json: [UInt8] {
        var dict: [String: Any] = ["listen": listen.description]
        if !advertise.isEmpty { dict["advertise"] = advertise.map(\.description) }
        let data = try! JSONSerialization.data(withJSONObject: dict, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Array(data) + [0x0A]
    }

    /// The config in `home`, or the defaults when the file does not exist.
    public static func load(from home: NodeHome) throws -> NodeConfig {
        let url = home.configFile
        guard FileManager.default.fileExists(atPath: url.path) else { return .default }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StoreError(.io, "cannot read \(url.path)")
        }
        return try NodeConfig(json: Array(data), source: url.path)
    }

    public func save(to home: NodeHome) throws {
        try SecureFile.replace(home.configFile, contents: json, mode: 0o600)
    }
}
