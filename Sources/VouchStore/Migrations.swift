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
        return migrator
    }
}
