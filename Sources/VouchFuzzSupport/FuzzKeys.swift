public import VouchCrypto
public import VouchProtocol

/// The fixed keys the fuzz targets sign and address with: the RFC 8032 test keys the protocol
/// vectors use (Protocol/vectors/transport.json: sender is test 1, recipient test 2), so seeds
/// from the vectors reach the same checks as generated inputs.
public enum FuzzKeys {
    /// RFC 8032 test 1: the peer that sends and signs.
    public static let sender = try! Ed25519PrivateKey(seed: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
    /// RFC 8032 test 2: the node that receives.
    public static let recipient = try! Ed25519PrivateKey(seed: Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!)

    /// Who signs generated documents: the sender first, then RFC 8032 test 3 and two more, so
    /// that a store keyed by signer holds more than one profile.
    public static let signers: [Ed25519PrivateKey] = [sender] + [
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "0101010101010101010101010101010101010101010101010101010101010101",
        "0202020202020202020202020202020202020202020202020202020202020202",
    ].map { try! Ed25519PrivateKey(seed: Hex.decode($0)!) }

    public static let senderID = NodeID(publicKey: sender.publicKey)
    public static let vectorRecipient = NodeID(publicKey: recipient.publicKey)
}
