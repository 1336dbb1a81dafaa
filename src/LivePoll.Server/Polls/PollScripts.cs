namespace LivePoll.Server.Polls;

/// <summary>
/// The Lua scripts that change a poll. Each runs atomically in the store over the keys of one poll, which
/// share a hash tag, so they work on Redis, Redis Cluster and Garnet alike.
/// Keys: meta (hash: state, opensAt, closesAt, maxChoices, allowChange, def), counts (hash: option id →
/// count, plus _total voters and _version), voters (hash: voter id → "a,b").
/// Times are Unix milliseconds passed in by the node; "" means none.
/// </summary>
internal static class PollScripts
{
    // Shared by every script: is the poll taking votes now, given its state and schedule?
    private const string IsOpen = """
        local function is_open(state, opens, closes, now)
          local open = state == 'open' or (state == 'scheduled' and opens ~= '' and tonumber(opens) <= now)
          if open and closes ~= '' and tonumber(closes) <= now then open = false end
          return open
        end
        """;

    /// <summary>
    /// ARGV: voter, now, option ids… Returns {outcome, choices now in force, previous choices, version}.
    /// Checks in order: poll exists, open, choice count, options exist and distinct, voter new (or may change).
    /// </summary>
    public const string Vote = IsOpen + """

        local meta = redis.call('HMGET', KEYS[1], 'state', 'opensAt', 'closesAt', 'maxChoices', 'allowChange')
        if not meta[1] then return {'UnknownPoll', '', '', '0'} end
        local now = tonumber(ARGV[2])
        if not is_open(meta[1], meta[2], meta[3], now) then return {'PollClosed', '', '', '0'} end
        local n = #ARGV - 2
        if n < 1 or n > tonumber(meta[4]) then return {'InvalidChoiceCount', '', '', '0'} end
        local seen = {}
        for i = 3, #ARGV do
          local id = ARGV[i]
          if seen[id] or string.sub(id, 1, 1) == '_' or redis.call('HEXISTS', KEYS[2], id) == 0 then
            return {'UnknownOption', '', '', '0'}
          end
          seen[id] = true
        end
        local choices = table.concat(ARGV, ',', 3)
        local previous = redis.call('HGET', KEYS[3], ARGV[1])
        if previous then
          if meta[5] ~= '1' or previous == choices then
            return {'AlreadyVoted', previous, '', redis.call('HGET', KEYS[2], '_version')}
          end
          for id in string.gmatch(previous, '[^,]+') do redis.call('HINCRBY', KEYS[2], id, -1) end
          for i = 3, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
          redis.call('HSET', KEYS[3], ARGV[1], choices)
          return {'Changed', choices, previous, tostring(redis.call('HINCRBY', KEYS[2], '_version', 1))}
        end
        for i = 3, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
        redis.call('HINCRBY', KEYS[2], '_total', 1)
        redis.call('HSET', KEYS[3], ARGV[1], choices)
        return {'Accepted', choices, '', tostring(redis.call('HINCRBY', KEYS[2], '_version', 1))}
        """;

    /// <summary>
    /// The newsroom opens or closes a poll. ARGV: 'open' | 'close', now. Opening clears a schedule that
    /// would keep it shut; closing clears the closing time. Returns the new version, or -1 for no such poll.
    /// </summary>
    public const string SetState = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        local now = tonumber(ARGV[2])
        if ARGV[1] == 'open' then
          local closes = redis.call('HGET', KEYS[1], 'closesAt')
          if closes ~= '' and tonumber(closes) <= now then closes = '' end
          redis.call('HSET', KEYS[1], 'state', 'open', 'opensAt', '', 'closesAt', closes)
        else
          redis.call('HSET', KEYS[1], 'state', 'closed', 'closesAt', '')
        end
        return redis.call('HINCRBY', KEYS[2], '_version', 1)
        """;

    /// <summary>
    /// A scheduled opening or closing falls due. ARGV: 'open' | 'close', now. Returns 1 only for the call
    /// that made the change, so exactly one node announces it; 0 when there was nothing (left) to do.
    /// </summary>
    public const string ApplySchedule = """
        local meta = redis.call('HMGET', KEYS[1], 'state', 'opensAt', 'closesAt')
        if not meta[1] then return 0 end
        local now = tonumber(ARGV[2])
        if ARGV[1] == 'open' then
          if meta[1] ~= 'scheduled' or meta[2] == '' or tonumber(meta[2]) > now then return 0 end
          redis.call('HSET', KEYS[1], 'state', 'open', 'opensAt', '')
        else
          if meta[1] == 'closed' or meta[3] == '' or tonumber(meta[3]) > now then return 0 end
          redis.call('HSET', KEYS[1], 'state', 'closed', 'closesAt', '')
        end
        redis.call('HINCRBY', KEYS[2], '_version', 1)
        return 1
        """;
}
