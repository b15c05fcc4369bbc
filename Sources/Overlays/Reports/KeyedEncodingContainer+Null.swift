extension KeyedEncodingContainer {
    /// Encodes `value`, or `null` when it is nil. A synthesized `Encodable` leaves a nil
    /// optional out (`encodeIfPresent`); the JSON reports use this for the keys that are
    /// always present and say "none" with null (a cluster-scoped resource's namespace, a
    /// source that is not a commit).
    public mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }
}
