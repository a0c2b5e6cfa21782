import GRDB

extension Database {
    /// Runs `body` with the connection's cached statement for `sql` (prepared once, which is a
    /// large part of a small query's cost), then leaves the statement without arguments. A cached
    /// statement otherwise keeps its last arguments, and the values in them, alive until its next
    /// use; LeakSanitizer, which cannot follow Swift's tagged enum payload pointers, reports such
    /// values as leaked in the fuzz targets, which make many databases.
    func reusing<T>(sql: String, _ body: (Statement) throws -> T) throws -> T {
        let statement = try cachedStatement(sql: sql)
        defer { statement.setUncheckedArguments([]) }
        return try body(statement)
    }
}
