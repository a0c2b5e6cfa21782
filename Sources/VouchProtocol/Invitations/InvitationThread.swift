public import VouchCrypto

/// The context questions and replies attached to one invitation, oldest first. Bounded
/// (`InvitationLimits.maximumThreadEntries`) so a peer cannot grow it without end, and
/// alternating: a question waits for its reply before the next is asked.
public struct InvitationThread: Sendable, Equatable {
    public enum Entry: Sendable, Equatable {
        /// The invitee asked (Unix ms when it was asked or received).
        case question(String, at: UInt64)
        /// The inviter answered.
        case reply(String, at: UInt64)
    }

    public private(set) var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// A question was asked and has no reply yet.
    public var hasOpenQuestion: Bool {
        if case .question? = entries.last { return true }
        return false
    }

    public var isFull: Bool { entries.count >= InvitationLimits.maximumThreadEntries }

    /// Why a question cannot be added now, or nil.
    var questionRefusal: InvitationFlowError? {
        if isFull { return InvitationFlowError(.threadFull, "the thread has its \(InvitationLimits.maximumThreadEntries) messages") }
        if hasOpenQuestion { return InvitationFlowError(.questionOpen, "a question is already waiting for its reply") }
        return nil
    }

    /// Why a reply cannot be added now, or nil.
    var replyRefusal: InvitationFlowError? {
        hasOpenQuestion ? nil : InvitationFlowError(.noOpenQuestion, "there is no question to reply to")
    }

    mutating func append(_ entry: Entry) { entries.append(entry) }
}

/// Why the owner's command on an invitation was refused: the invitation is not in a state
/// where it means anything. Codes are stable (they reach `--json` output).
public struct InvitationFlowError: CodedError, Equatable {
    public typealias Code = ErrorCode<InvitationFlowError>
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension ErrorCode where Domain == InvitationFlowError {
    /// The invitation's `expires` has passed.
    public static var invitationExpired: Self { Self("invitation-expired") }
    /// The inviter withdrew it (or it was superseded by the other side's invitation).
    public static var invitationWithdrawn: Self { Self("invitation-withdrawn") }
    /// It was already answered: accepted, or reported as spam.
    public static var alreadyAnswered: Self { Self("already-answered") }
    /// The invitation was accepted: end the connection instead.
    public static var alreadyConnected: Self { Self("already-connected") }
    /// A question is waiting for its reply.
    public static var questionOpen: Self { Self("question-open") }
    /// There is no question to reply to.
    public static var noOpenQuestion: Self { Self("no-open-question") }
    /// The thread holds its maximum of messages.
    public static var threadFull: Self { Self("thread-full") }
    /// The introducer did not pass the introduction request on (Protocol/introductions.md).
    public static var notForwarded: Self { Self("not-forwarded") }
    /// The introduction request was already passed on, or declined, by its introducer.
    public static var alreadyForwarded: Self { Self("already-forwarded") }
    /// The introducer is not connected to the person the request is for: it can only decline.
    public static var notConnectedToTarget: Self { Self("not-connected-to-target") }
}

/// What the node tells scripts (`vouch events`) happened to an invitation.
public enum InvitationEvent: String, Sendable, Equatable, CaseIterable {
    case received, questionAsked = "question-asked", questionReceived = "question-received", replied,
         replyReceived = "reply-received", accepted, declined, reportedSpam = "reported-spam", withdrawn, expired, connected,
         /// An introduction request: the introducer passed it on, or did not.
         forwarded, notForwarded = "not-forwarded"
}
