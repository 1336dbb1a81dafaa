namespace LivePoll.Server.Tally;

/// <summary>
/// The tally log's scripts. Every key of a poll's log shares the poll's hash tag, so each runs atomically beside the
/// poll's own keys on Redis, Redis Cluster and Garnet alike. Both writes are compare-and-set: a writer whose view is
/// stale (it lost its lease, another node appended) changes nothing, so the log never forks and never rewrites history.
/// </summary>
internal static class TallyScripts
{
    /// <summary>
    /// Appends leaves made from audit records and recount notes. The cursor key holds "audit leaves recounts": how many
    /// audit records and recount notes the log has read, and how many leaves it holds. KEYS: cursor, leaves, receipts.
    /// ARGV: the audit and recount positions the writer read, the positions after these leaves, then per leaf: its text,
    /// its receipt id ("" for a recount).
    /// Returns the log's size after; -1 when the positions were not what the writer saw (nothing written); -2 when the
    /// log holds fewer leaves than its cursor says (the store lost data). Leaves past the cursor's count are the torn
    /// tail of an append the embedded store replayed in part after a crash: never acknowledged, so never in a signed
    /// head; they are dropped and written again.
    /// </summary>
    public const string Append = """
        local cursor_key, leaves_key, receipts_key = KEYS[1], KEYS[2], KEYS[3]
        local audit, count, recounts = 0, 0, 0
        local stored = redis.call('GET', cursor_key)
        if stored then
          local a, c, r = string.match(stored, '^(%d+) (%d+) (%d+)$')
          audit, count, recounts = tonumber(a), tonumber(c), tonumber(r)
        end
        if audit ~= tonumber(ARGV[1]) or recounts ~= tonumber(ARGV[2]) then return -1 end
        local size = redis.call('LLEN', leaves_key)
        if size < count then return -2 end
        if size > count then
          if count == 0 then redis.call('DEL', leaves_key) else redis.call('LTRIM', leaves_key, 0, count - 1) end
          size = count
        end
        -- One RPUSH and one HSET per chunk of leaves, not per leaf: a call from Lua costs Redis more than the write itself.
        local texts, receipts = {}, {}
        for i = 5, #ARGV, 2 do
          texts[#texts + 1] = ARGV[i]
          if ARGV[i + 1] ~= '' then
            receipts[#receipts + 1] = ARGV[i + 1]
            receipts[#receipts + 1] = size
          end
          size = size + 1
          if #texts == 256 or i + 2 > #ARGV then
            redis.call('RPUSH', leaves_key, unpack(texts))
            if #receipts > 0 then redis.call('HSET', receipts_key, unpack(receipts)) end
            texts, receipts = {}, {}
          end
        end
        redis.call('SET', cursor_key, ARGV[3] .. ' ' .. size .. ' ' .. ARGV[4])
        return size
        """;

    /// <summary>
    /// Keeps a signed head when it passes the newest one: a larger size (a reopened poll's too), or the same size made final.
    /// KEYS: heads, head mark, leaves. ARGV: size, final (0/1), the head's JSON. Returns 1 kept, 0 refused.
    /// </summary>
    public const string AddHead = """
        local heads_key, mark_key, leaves_key = KEYS[1], KEYS[2], KEYS[3]
        local size, final = tonumber(ARGV[1]), tonumber(ARGV[2])
        if redis.call('LLEN', leaves_key) < size then return 0 end
        local mark = redis.call('GET', mark_key)
        if mark then
          local last_size, last_final = string.match(mark, '^(%d+) (%d)$')
          last_size, last_final = tonumber(last_size), tonumber(last_final)
          if size < last_size or (size == last_size and (final == 0 or last_final == 1)) then return 0 end
        end
        redis.call('RPUSH', heads_key, ARGV[3])
        redis.call('SET', mark_key, ARGV[1] .. ' ' .. ARGV[2])
        return 1
        """;

    /// <summary>Takes or renews the writer's lease. KEYS: lease. ARGV: node name, milliseconds. Returns 1 when this node holds it.</summary>
    public const string Lease = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1 end
        if holder then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;
}
