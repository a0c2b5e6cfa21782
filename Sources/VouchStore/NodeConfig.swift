import Foundation
public import VouchProtocol

/// Settings in `config.json` in the node home (Docs/running.md). Unknown keys are refused so a
/// misspelt setting is reported instead of silently ignored.
public struct NodeConfig: Sendable, Equatable {
    /// The default TCP port of a Vouch node.
    public static let defaultPort: UInt16 = 7868

    /// Where `vouch run` listens; nil (`"listen": "none"`) for a node with no listener at all,
    /// reachable only through its relays (Protocol/relay.md).
    public var listen: Endpoint?
    /// How others reach this node, as published in the profile and the address; defaults to `listen`.
    public var advertise: [Endpoint]

    /// Relays the node joins (`vouch relay add`), as strelaysrv prints their URIs.
    public var relays: [RelayURI]

    /// Transport limits and timeouts; keys of the `limits` object override the defaults.
    public var limits: TransportLimits

    public init(listen: Endpoint?, advertise: [Endpoint] = [], relays: [RelayURI] = [], limits: TransportLimits = .default) {
        self.listen = listen
        self.advertise = advertise
        self.relays = relays
        self.limits = limits
    }

    /// The value of `listen` (in config.json, `vouch init --listen`, `vouch run --listen`):
    /// `none`, or a direct `host:port` (a relay endpoint is where others reach a node, not where it listens).
    public static func listenSetting(_ text: String) throws -> Endpoint? {
        if text == "none" { return nil }
        let endpoint = try Endpoint(parsing: text)
        guard endpoint.relay == nil else {
            throw ProtocolError(.invalidValue, "a node listens on host:port; to be reached through a relay, use `vouch relay add`")
        }
        return endpoint
    }

    /// The `limits` keys, each a positive integer, and where it goes in `TransportLimits`.
    static let limitKeys: [(key: String, apply: @Sendable (inout TransportLimits, Int) -> Void, read: @Sendable (TransportLimits) -> Int)] = [
        ("max_frame_bytes", { $0.maximumFrameSize = $1 }, { $0.maximumFrameSize }),
        ("handshake_timeout_seconds", { $0.handshakeTimeout = .seconds($1) }, { Int($0.handshakeTimeout.components.seconds) }),
        ("first_bytes_timeout_seconds", { $0.firstBytesTimeout = .seconds($1) }, { Int($0.firstBytesTimeout.components.seconds) }),
        ("keepalive_seconds", { $0.keepaliveInterval = .seconds($1) }, { Int($0.keepaliveInterval.components.seconds) }),
        ("idle_timeout_seconds", { $0.idleTimeout = .seconds($1) }, { Int($0.idleTimeout.components.seconds) }),
        ("request_timeout_seconds", { $0.requestTimeout = .seconds($1) }, { Int($0.requestTimeout.components.seconds) }),
        ("max_inbound_sessions", { $0.maximumInboundSessions = $1 }, { $0.maximumInboundSessions }),
        ("max_sessions_per_address", { $0.maximumSessionsPerAddress = $1 }, { $0.maximumSessionsPerAddress }),
        ("max_handshakes_in_flight", { $0.maximumHandshakesInFlight = $1 }, { $0.maximumHandshakesInFlight }),
        ("message_rate_per_second", { $0.messageRate = $1 }, { $0.messageRate }),
        ("message_burst", { $0.messageBurst = $1 }, { $0.messageBurst }),
        ("max_deliveries_in_flight", { $0.maximumDeliveriesInFlight = $1 }, { $0.maximumDeliveriesInFlight }),
        ("max_pending_requests", { $0.maximumPendingRequests = $1 }, { $0.maximumPendingRequests }),
        ("write_stall_seconds", { $0.writeStallTimeout = .seconds($1) }, { Int($0.writeStallTimeout.components.seconds) }),
    ]

    public static var `default`: NodeConfig {
        NodeConfig(listen: try! Endpoint(parsing: "0.0.0.0:\(defaultPort)"))
    }

    private static let knownKeys: Set<String> = ["listen", "advertise", "relays", "limits"]

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
                guard let text = listen as? String else {
                    throw StoreError(.invalidConfig, "\(source): \"listen\" must be a \"host:port\" string or \"none\"")
                }
                config.listen = try Self.listenSetting(text)
            }
            if let advertise = dict["advertise"] {
                guard let list = advertise as? [String] else {
                    throw StoreError(.invalidConfig, "\(source): \"advertise\" must be a list of \"host:port\" strings")
                }
                config.advertise = try list.map(Endpoint.init(parsing:))
            }
            if let relays = dict["relays"] {
                guard let list = relays as? [String] else {
                    throw StoreError(.invalidConfig, "\(source): \"relays\" must be a list of relay://HOST:PORT/?id=RELAY-ID strings")
                }
                config.relays = try list.map(RelayURI.init(parsing:))
            }
            if let limits = dict["limits"] {
                // JSONDecoder, unlike JSONSerialization, refuses true/false and 1.5 where an Int is expected.
                guard JSONSerialization.isValidJSONObject(limits),
                      let object = try? JSONDecoder().decode([String: Int].self, from: JSONSerialization.data(withJSONObject: limits)) else {
                    throw StoreError(.invalidConfig, "\(source): \"limits\" must be an object of whole numbers")
                }
                for key in object.keys.sorted() {
                    guard let entry = Self.limitKeys.first(where: { $0.key == key }) else {
                        throw StoreError(.invalidConfig, "\(source): unknown limit \"\(key)\" (known: \(Self.limitKeys.map(\.key).joined(separator: ", ")))")
                    }
                    guard let value = object[key], value > 0 else {
                        throw StoreError(.invalidConfig, "\(source): limits.\(key) must be a positive whole number")
                    }
                    entry.apply(&config.limits, value)
                }
            }
        } catch let error as ProtocolError {
            throw StoreError(.invalidConfig, "\(source): \(error.message)")
        }
        self = config
    }

    public var json: [UInt8] {
        var dict: [String: Any] = ["listen": listen?.description ?? "none"]
        if !advertise.isEmpty { dict["advertise"] = advertise.map(\.description) }
        if !relays.isEmpty { dict["relays"] = relays.map(\.description) }
        let changed = Self.limitKeys.filter { $0.read(limits) != $0.read(.default) }
        if !changed.isEmpty { dict["limits"] = Dictionary(uniqueKeysWithValues: changed.map { ($0.key, $0.read(limits)) }) }
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
