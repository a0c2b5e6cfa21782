public import VouchCrypto

/// The owner's profile as the node keeps it: every field with the audience the owner chose.
/// What leaves the node is a `ProfileDocument`, the view of this profile for one audience.
public struct Profile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var value: String
        public var audience: Audience
        public init(value: String, audience: Audience) {
            self.value = value
            self.audience = audience
        }
    }

    public static let maximumEndpoints = 8

    /// Starts at 1 and goes up by one with every change; peers never replace a newer version
    /// with an older one (`ProfileVersionRule`).
    public var version: UInt64
    /// Unix time (seconds) of the last change.
    public var updatedAt: UInt64
    public var fields: [ProfileField: Entry]
    public var links: [String]
    public var linksAudience: Audience
    public var endpoints: [Endpoint]

    public init(version: UInt64 = 0, updatedAt: UInt64 = 0, fields: [ProfileField: Entry] = [:],
                links: [String] = [], linksAudience: Audience = .everyone, endpoints: [Endpoint] = []) {
        self.version = version
        self.updatedAt = updatedAt
        self.fields = fields
        self.links = links
        self.linksAudience = linksAudience
        self.endpoints = endpoints
    }

    /// Checks every value against its rule. Called before anything is stored or signed.
    public func validate() throws {
        try ProtocolInteger.check(version, field: "profile.version")
        try ProtocolInteger.check(updatedAt, field: "profile.updated")
        for (field, entry) in fields { try field.validate(entry.value) }
        guard links.count <= ProfileLink.maximumCount else {
            throw ProtocolError(.invalidValue, "a profile has at most \(ProfileLink.maximumCount) links, this has \(links.count)")
        }
        for link in links { try ProfileLink.validate(link) }
        guard endpoints.count <= Self.maximumEndpoints else {
            throw ProtocolError(.invalidValue, "a profile has at most \(Self.maximumEndpoints) endpoints, this has \(endpoints.count)")
        }
    }

    /// The view of this profile for `audience`: the fields that audience may see.
    public func document(for audience: Audience) -> ProfileDocument {
        ProfileDocument(
            version: version, updatedAt: updatedAt, audience: audience,
            fields: fields.filter { $0.value.audience.isVisible(to: audience) }.mapValues(\.value),
            links: linksAudience.isVisible(to: audience) ? links : [],
            endpoints: endpoints
        )
    }
}

/// A signed profile view: the payload of a `vouch.profile` document (Protocol/profile.md).
///
///     {
///       "audience": "everyone" / "connections",
///       "endpoints": [* text],          ; host:port
///       "fields": {* field-name => text},
///       "links": [* text],
///       "updated": uint,                ; Unix seconds
///       "version": uint                 ; ≥ 1
///     }
public struct ProfileDocument: Sendable, Equatable {
    public var version: UInt64
    public var updatedAt: UInt64
    public var audience: Audience
    public var fields: [ProfileField: String]
    public var links: [String]
    public var endpoints: [Endpoint]

    public init(version: UInt64, updatedAt: UInt64, audience: Audience, fields: [ProfileField: String],
                links: [String], endpoints: [Endpoint]) {
        self.version = version
        self.updatedAt = updatedAt
        self.audience = audience
        self.fields = fields
        self.links = links
        self.endpoints = endpoints
    }

    public var payload: CBORValue {
        .map([
            "audience": .text(audience.rawValue),
            "endpoints": .array(endpoints.map { .text($0.description) }),
            "fields": .map(Dictionary(uniqueKeysWithValues: fields.map { ($0.key.rawValue, CBORValue.text($0.value)) })),
            "links": .array(links.map { .text($0) }),
            "updated": .unsigned(updatedAt),
            "version": .unsigned(version),
        ])
    }

    /// Reads a payload, applying every rule a local edit must pass.
    public init(payload bytes: [UInt8]) throws {
        var top = try CBORFields(try CBORValue(canonical: bytes), context: "profile")
        version = try top.unsigned("version")
        guard version >= 1 else { throw ProtocolError(.invalidValue, "profile.version starts at 1") }
        updatedAt = try top.unsigned("updated")
        let audienceName = try top.text("audience")
        guard let audience = Audience(rawValue: audienceName) else {
            throw ProtocolError(.invalidValue, "profile.audience \"\(audienceName)\" is not one of everyone, connections")
        }
        self.audience = audience
        var fieldMap = try top.map("fields")
        var fields: [ProfileField: String] = [:]
        for field in ProfileField.allCases {
            guard let value = fieldMap.take(field.rawValue) else { continue }
            guard case .text(let text) = value else { throw ProtocolError(.wrongType, "profile.fields.\(field.rawValue) must be a text string") }
            try field.validate(text)
            fields[field] = text
        }
        try fieldMap.finish()
        self.fields = fields
        links = try top.array("links").map { item in
            guard case .text(let link) = item else { throw ProtocolError(.wrongType, "profile.links holds only text strings") }
            return link
        }
        endpoints = try top.array("endpoints").map { item in
            guard case .text(let text) = item else { throw ProtocolError(.wrongType, "profile.endpoints holds only text strings") }
            let endpoint = try Endpoint(parsing: text)
            guard endpoint.description == text else {
                throw ProtocolError(.nonCanonical, "profile endpoint \"\(text)\" is not written in its canonical form \"\(endpoint)\"")
            }
            return endpoint
        }
        try top.finish()
        try Profile(version: version, updatedAt: updatedAt, fields: fields.mapValues { .init(value: $0, audience: .everyone) },
                    links: links, endpoints: endpoints).validate()
    }

    public func signed(with key: VouchCrypto.Ed25519PrivateKey) throws -> SignedEnvelope {
        try SignedEnvelope(signing: payload.encoded, type: .profile, formatVersion: 1, with: key)
    }

    /// Reads the profile out of a verified envelope, which must be a `vouch.profile` document.
    public init(envelope: SignedEnvelope) throws {
        try envelope.require(.profile)
        try self.init(payload: envelope.payload)
    }
}

/// What to do when a profile arrives for a node whose profile we already hold, in the same
/// audience view (both views of a version share the version number, so callers compare a view
/// only with the held view of the same audience).
public enum ProfileVersionRule {
    public enum Decision: Sendable, Equatable {
        case accept
        /// Older than what we hold: an old copy replayed or delayed. Keep ours.
        case ignoreOlder
        /// The same version and the same bytes.
        case ignoreDuplicate
        /// The same version with different content: the owner's node went back in time
        /// (restored from an old backup) or someone replays a forged view. Keep ours.
        case conflict
    }

    public static func decide(current: SignedEnvelope?, currentVersion: UInt64?, incoming: SignedEnvelope, incomingVersion: UInt64) -> Decision {
        guard let current, let currentVersion else { return .accept }
        if incomingVersion > currentVersion { return .accept }
        if incomingVersion < currentVersion { return .ignoreOlder }
        return current.payload == incoming.payload ? .ignoreDuplicate : .conflict
    }
}
