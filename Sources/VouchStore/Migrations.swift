import GRDB

/// Every schema change, in order, in one place. A migration once released is never edited;
/// a change is a new migration appended here.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1: identity, profile, settings") { db in
            // The public half of the identity key: detects a key file swapped for another one.
            try db.execute(sql: """
                CREATE TABLE identity (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE profile (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL CHECK (version >= 0),
                    updated_at INTEGER NOT NULL,
                    links_audience TEXT NOT NULL CHECK (links_audience IN ('everyone', 'connections'))
                ) STRICT;
                CREATE TABLE profile_field (
                    field TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'connections'))
                ) STRICT;
                CREATE TABLE profile_link (position INTEGER PRIMARY KEY, url TEXT NOT NULL) STRICT;
                CREATE TABLE profile_endpoint (position INTEGER PRIMARY KEY, endpoint TEXT NOT NULL) STRICT;
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
                """)
        }
        migrator.registerMigration("v2: peers, outbox, received messages, cards") { db in
            try db.execute(sql: """
                CREATE TABLE peer (
                    node_id BLOB PRIMARY KEY CHECK (length(node_id) = 32),
                    endpoint TEXT NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER
                ) STRICT;
                -- A message is stored here before it is sent, and deleted when the peer acks it
                -- or it expires. id, sent_at and body never change, so every retry is the same message.
                CREATE TABLE outbox (
                    message_id BLOB PRIMARY KEY CHECK (length(message_id) = 16),
                    peer BLOB NOT NULL REFERENCES peer(node_id),
                    type TEXT NOT NULL,
                    body BLOB NOT NULL,
                    sent_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT
                ) STRICT;
                CREATE INDEX outbox_due ON outbox(next_attempt_at);
                -- Messages processed, kept until they expire: a copy arriving again is acked, not
                -- processed again. After expiry a copy is refused as expired, so nothing is lost
                -- by forgetting it.
                CREATE TABLE received_message (
                    sender BLOB NOT NULL,
                    message_id BLOB NOT NULL,
                    received_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    PRIMARY KEY (sender, message_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX received_message_expiry ON received_message(expires_at);
                -- One card per signer and audience: both views of a profile share a version, so
                -- the version rule compares a view only with the held view of the same audience.
                CREATE TABLE received_card (
                    signer BLOB NOT NULL CHECK (length(signer) = 32),
                    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'connections')),
                    version INTEGER NOT NULL,
                    document BLOB NOT NULL,
                    received_at INTEGER NOT NULL,
                    sender BLOB NOT NULL,
                    PRIMARY KEY (signer, audience)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v3: invitations, threads, connections, blocks") { db in
            try db.execute(sql: """
                -- Invitations this node received and showed to its owner (dropped ones are not
                -- kept). handle is the short local number the owner types; the exact message
                -- body is kept so the invitation can be verified again whenever it is read.
                CREATE TABLE received_invitation (
                    handle INTEGER PRIMARY KEY AUTOINCREMENT,
                    inviter BLOB NOT NULL CHECK (length(inviter) = 32),
                    invitation_id BLOB NOT NULL CHECK (length(invitation_id) = 16),
                    body BLOB NOT NULL,
                    state TEXT NOT NULL,
                    expires INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    answered_at INTEGER,
                    crossing INTEGER NOT NULL DEFAULT 0,
                    connection_id BLOB,
                    UNIQUE (inviter, invitation_id)
                ) STRICT;
                CREATE INDEX received_invitation_state ON received_invitation(state, inviter);
                -- Invitations this node's owner sent.
                CREATE TABLE sent_invitation (
                    handle INTEGER PRIMARY KEY AUTOINCREMENT,
                    invitation_id BLOB NOT NULL UNIQUE CHECK (length(invitation_id) = 16),
                    invitee BLOB NOT NULL CHECK (length(invitee) = 32),
                    document BLOB NOT NULL,
                    note TEXT NOT NULL,
                    state TEXT NOT NULL,
                    expires INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    connection_id BLOB
                ) STRICT;
                CREATE INDEX sent_invitation_invitee ON sent_invitation(invitee, state);
                -- Context questions and replies, in order, per invitation on either side.
                CREATE TABLE invitation_thread (
                    side TEXT NOT NULL CHECK (side IN ('sent', 'received')),
                    handle INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('question', 'reply')),
                    note TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (side, handle, position)
                ) STRICT;
                -- Connection records: the acceptance envelope, the same bytes on both nodes.
                -- id is its SHA-256 (what a removal names).
                CREATE TABLE connection (
                    id BLOB PRIMARY KEY CHECK (length(id) = 32),
                    peer BLOB NOT NULL CHECK (length(peer) = 32),
                    record BLOB NOT NULL,
                    since INTEGER NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    -- The profile version of the last card for connections queued to the peer:
                    -- a newer profile is queued to every connection behind it.
                    card_version INTEGER NOT NULL DEFAULT 0
                ) STRICT;
                CREATE INDEX connection_peer ON connection(peer);
                -- Private: never told to the blocked node.
                CREATE TABLE blocked_node (
                    node_id BLOB PRIMARY KEY CHECK (length(node_id) = 32),
                    blocked_at INTEGER NOT NULL
                ) STRICT;
                """)
        }
        migrator.registerMigration("v4: introductions") { db in
            try db.execute(sql: """
                -- The target's side: the introducer's signed note (vouch.introduction) of an
                -- invitation that came as an introduction offer; NULL for a direct invitation.
                ALTER TABLE received_invitation ADD COLUMN introduction BLOB;
                -- The requester's side: whether the introducer passed the request on, and its
                -- private note when it did not.
                ALTER TABLE sent_invitation ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE sent_invitation ADD COLUMN introducer_note TEXT;
                -- The introducer's side: requests to introduce a connection to someone. Handles
                -- share one numbering with received_invitation (one inbox, one kind of number).
                CREATE TABLE introduction_request (
                    handle INTEGER PRIMARY KEY,
                    requester BLOB NOT NULL CHECK (length(requester) = 32),
                    request_id BLOB NOT NULL CHECK (length(request_id) = 16),
                    body BLOB NOT NULL,
                    state TEXT NOT NULL,
                    expires INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    introduction BLOB,
                    decline_note TEXT,
                    relayed INTEGER NOT NULL DEFAULT 0,
                    accepted INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (requester, request_id)
                ) STRICT;
                CREATE INDEX introduction_request_state ON introduction_request(state, expires);
                """)
        }
        migrator.registerMigration("v5: visibility and mutual tokens") { db in
            try db.execute(sql: """
                -- Who the owner lets learn of each connection (Protocol/disclosure.md): the level
                -- the owner chose; the node signs and sends a statement whenever its latest
                -- statement says otherwise.
                ALTER TABLE connection ADD COLUMN own_visibility TEXT NOT NULL DEFAULT 'connections';
                -- The level chosen with `invite --visibility` / `accept --visibility`, kept with
                -- the invitation until it becomes a connection.
                ALTER TABLE sent_invitation ADD COLUMN visibility TEXT;
                ALTER TABLE received_invitation ADD COLUMN visibility TEXT;
                -- The latest signed statement of each side of each connection.
                CREATE TABLE visibility_statement (
                    connection BLOB NOT NULL CHECK (length(connection) = 32),
                    signer BLOB NOT NULL CHECK (length(signer) = 32),
                    level TEXT NOT NULL,
                    "set" INTEGER NOT NULL,
                    document BLOB NOT NULL,
                    PRIMARY KEY (connection, signer)
                ) STRICT, WITHOUT ROWID;
                -- Each connection's mutual token: what lets this node make the private-set element
                -- for that person. Private to this node and its holder.
                CREATE TABLE mutual_token (
                    peer BLOB PRIMARY KEY CHECK (length(peer) = 32),
                    token BLOB NOT NULL CHECK (length(token) = 32)
                ) STRICT, WITHOUT ROWID;
                -- A withdrawal that arrived before what it withdraws (deliveries are not ordered):
                -- kept until the withdrawn message could no longer arrive, so that it is not shown.
                CREATE TABLE early_withdrawal (
                    inviter BLOB NOT NULL CHECK (length(inviter) = 32),
                    invitation_id BLOB NOT NULL CHECK (length(invitation_id) = 16),
                    expires INTEGER NOT NULL,
                    PRIMARY KEY (inviter, invitation_id)
                ) STRICT, WITHOUT ROWID;
                -- This node's own secrets: its mutual token, shared with its connections, and the
                -- secret its blinding keys are derived from, shared with nobody.
                CREATE TABLE node_secret (
                    name TEXT PRIMARY KEY,
                    value BLOB NOT NULL
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v6: a running count of pending received invitations") { db in
            // The policy's cap on pending invitations is checked for every invitation that
            // arrives. count(*) over the pending rows costs one row visit per pending invitation
            // (O(n) per arrival, O(n²) to fill an inbox: 10,000 invitations took minutes). The
            // triggers keep the number of rows in state 'pending' here instead; the few pending
            // ones already due (the expiry tick records them within seconds) are subtracted
            // through an index of the pending rows by expiry (`InvitationLedger.pendingCount`).
            try db.execute(sql: """
                CREATE TABLE inbox_count (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    pending INTEGER NOT NULL CHECK (pending >= 0)
                ) STRICT;
                INSERT INTO inbox_count (id, pending) SELECT 1, count(*) FROM received_invitation WHERE state = 'pending';
                CREATE TRIGGER received_invitation_pending_insert AFTER INSERT ON received_invitation
                    WHEN NEW.state = 'pending'
                    BEGIN UPDATE inbox_count SET pending = pending + 1 WHERE id = 1; END;
                CREATE TRIGGER received_invitation_pending_update AFTER UPDATE OF state ON received_invitation
                    WHEN (OLD.state = 'pending') <> (NEW.state = 'pending')
                    BEGIN UPDATE inbox_count SET pending = pending + (CASE WHEN NEW.state = 'pending' THEN 1 ELSE -1 END) WHERE id = 1; END;
                CREATE TRIGGER received_invitation_pending_delete AFTER DELETE ON received_invitation
                    WHEN OLD.state = 'pending'
                    BEGIN UPDATE inbox_count SET pending = pending - 1 WHERE id = 1; END;
                -- The invitations still open by expiry: what the count of due ones and the expiry
                -- tick read (both name it with INDEXED BY), instead of visiting every pending row.
                -- Partial, so that the planner never prefers it to (state, inviter) for the
                -- per-inviter lookups.
                CREATE INDEX received_invitation_open_expiry ON received_invitation(expires) WHERE state IN ('pending', 'declined');
                """)
        }
        migrator.registerMigration("v7: every endpoint of a peer's newest card") { db in
            // `endpoint` stays the address the owner gave (or the first one learned). The
            // endpoints the peer's newest card or invitation lists, space-separated in its order,
            // are dialed too: all of them in dial order, direct first, relays after
            // (Protocol/relay.md §5), so a node behind a NAT is reached through its relay when
            // its direct endpoint does not answer.
            try db.execute(sql: "ALTER TABLE peer ADD COLUMN card_endpoints TEXT NOT NULL DEFAULT ''")
        }
        return migrator
    }
}
