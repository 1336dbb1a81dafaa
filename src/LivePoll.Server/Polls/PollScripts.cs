namespace LivePoll.Server.Polls;

/// <summary>
/// The Lua scripts that change a poll. Each runs atomically in the store over the keys of one poll, which
/// share a hash tag, so they work on Redis, Redis Cluster and Garnet alike.
/// Keys: meta (hash: state, opensAt, closesAt, maxChoices, allowChange, kind, revealed, def), counts (hash: option id →
/// count, plus _total voters and _version), voters (hash: voter id → "a,b").
/// A ranking poll (meta kind "ranking") counts Borda points instead of one per chosen option: a vote lists every option
/// once, best first, and with n options the one in place p (1 = first) gains n − p; a changed vote takes its old points back.
/// A words poll (kind "words") has no options: a vote names one entry key "w:…" (see <see cref="WordEntries"/>), counted in
/// the counts hash under that key; which entries readers see is the newsroom's (word-states hash), never the script's.
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
    /// The audit record's format (<see cref="AuditRecord"/>) in Lua: audit_line writes one, audit_fields reads one into
    /// its fields. Shared by the vote script and the recount.
    /// </summary>
    public const string AuditLine = """

        local function audit_line(ms, voter, choices, previous, origin, node, flag)
          return ms .. ' ' .. voter .. ' ' .. choices .. ' ' .. previous .. ' ' .. origin .. ' ' .. node .. ' ' .. flag
        end
        local function audit_fields(record)
          local fields = {}
          for field in (record .. ' '):gmatch('(.-) ') do fields[#fields + 1] = field end
          return fields
        end
        """;

    /// <summary>
    /// Counts a batch of votes for one poll, in order, as if each were its own script: the votes that arrived
    /// while the previous batch was at the store go together, so a surge costs one call per batch.
    /// KEYS: meta, counts, voters, audit, held, networks, excluded, admitted, outcomes (a tally of every answer). ARGV: now, node name, the per-network cap
    /// (0: none), then per vote: voter id, origin (hashed network and transport: "3f2a…|hub"), number of choices n, the n
    /// option ids. A new voter from a network the newsroom excluded, or from one past the cap of counted votes in this
    /// poll (unless the newsroom admitted it; the network "exempt" of load-tool keys has no cap), is held: answered
    /// "Held", recorded in the audit and the held hash, not counted; its retries answer Held again.
    /// Returns four strings per vote, in order: outcome, choices now in force ("a,b"), previous choices
    /// (Changed only), version (the one this vote produced, or the current one for AlreadyVoted; "0" otherwise).
    /// Checks per vote, in order: poll exists, open, choice count, options exist and distinct, voter new (or may change).
    /// Every counted vote adds one to the version, so a vote's version names the first snapshot that includes it, and
    /// leaves an <see cref="AuditRecord"/> at the end of the poll's audit list (a held vote too, flagged "h").
    /// </summary>
    public const string VoteBatch = IsOpen + AuditLine + """

        local meta_key, counts_key, voters_key, audit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        local held_key, networks_key, excluded_key, admitted_key = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
        local outcomes_key = KEYS[9]
        local now = tonumber(ARGV[1])
        local node = ARGV[2]
        local cap = tonumber(ARGV[3])

        local reply = {}
        local tally = {}
        local function answer(outcome, choices, previous, version)
          tally[outcome] = (tally[outcome] or 0) + 1
          reply[#reply + 1] = outcome
          reply[#reply + 1] = choices
          reply[#reply + 1] = previous
          reply[#reply + 1] = version
        end

        -- One reading of the poll serves the whole batch: the script runs atomically.
        local meta = redis.call('HMGET', meta_key, 'state', 'opensAt', 'closesAt', 'maxChoices', 'allowChange', 'kind')
        local refusal = nil
        if not meta[1] then refusal = 'UnknownPoll'
        elseif not is_open(meta[1], meta[2], meta[3], now) then refusal = 'PollClosed' end
        local max_choices = tonumber(meta[4] or '0')
        local may_change = meta[5] == '1'
        local ranked = meta[6] == 'ranking'
        local words = meta[6] == 'words'
        -- What an option gains in place p of a vote: one, or for a ranking its Borda points.
        local function points(p) if ranked then return max_choices - p else return 1 end end

        local version = tonumber(redis.call('HGET', counts_key, '_version') or '0')
        local first_version = version
        local new_voters = 0
        local option_known = {}   -- option id -> whether the poll has it (asked once per batch)
        local delta = {}          -- option id -> net change of its count in this batch
        local touched = {}        -- option ids in the order first changed
        local decided = {}        -- voter id -> choices recorded earlier in this batch
        local held_now = {}       -- voter id -> choices held earlier in this batch
        -- Most polls never hold a vote: then no voter needs looking up in the held hash (asked once per batch).
        local any_held = redis.call('EXISTS', held_key) == 1
        local net_count = {}      -- network -> counted voters (read once per batch)
        local net_added = {}      -- network -> counted voters added in this batch
        local net_rule = {}       -- network -> 'x' excluded, 'a' admitted, 'n' normal (asked once per batch)

        local function blocked(network)
          if net_rule[network] == nil then
            if redis.call('SISMEMBER', excluded_key, network) == 1 then net_rule[network] = 'x'
            elseif network == 'exempt' or redis.call('SISMEMBER', admitted_key, network) == 1 then net_rule[network] = 'a'
            else net_rule[network] = 'n' end
          end
          if net_rule[network] == 'x' then return true end
          if net_rule[network] == 'a' or cap <= 0 then return false end
          if net_count[network] == nil then net_count[network] = tonumber(redis.call('HGET', networks_key, network) or '0') end
          return net_count[network] >= cap
        end

        local function has_option(id)
          if option_known[id] == nil then
            if words then option_known[id] = string.sub(id, 1, 2) == 'w:'
            else option_known[id] = string.sub(id, 1, 1) ~= '_' and redis.call('HEXISTS', counts_key, id) == 1 end
          end
          return option_known[id]
        end
        local function add(id, by)
          if delta[id] == nil then delta[id] = 0; touched[#touched + 1] = id end
          delta[id] = delta[id] + by
        end

        local i = 4
        while i <= #ARGV do
          local voter = ARGV[i]
          local origin = ARGV[i + 1]
          local n = tonumber(ARGV[i + 2])
          local first, last = i + 3, i + 2 + n
          i = last + 1
          if refusal then
            answer(refusal, '', '', '0')
          elseif n < 1 or n > max_choices or (ranked and n ~= max_choices) then
            answer('InvalidChoiceCount', '', '', '0')
          else
            local valid, seen = true, {}
            for j = first, last do
              local id = ARGV[j]
              if seen[id] or not has_option(id) then valid = false; break end
              seen[id] = true
            end
            if not valid then
              answer('UnknownOption', '', '', '0')
            else
              local choices = table.concat(ARGV, ',', first, last)
              local network = string.match(origin, '^[^|]*')
              local previous = decided[voter]
              if previous == nil then previous = redis.call('HGET', voters_key, voter) end
              local held = held_now[voter]
              if held == nil and not previous and any_held then held = redis.call('HGET', held_key, voter) end
              if held then
                answer('Held', held, '', tostring(version))
              elseif previous and (not may_change or previous == choices) then
                answer('AlreadyVoted', previous, '', tostring(version))
              elseif not previous and blocked(network) then
                redis.call('HSET', held_key, voter, choices)
                redis.call('RPUSH', audit_key, audit_line(ARGV[1], voter, choices, '', origin, node, 'h'))
                held_now[voter] = choices
                answer('Held', choices, '', tostring(version))
              else
                if previous then
                  local p = 0
                  for id in string.gmatch(previous, '[^,]+') do p = p + 1; add(id, -points(p)) end
                else
                  new_voters = new_voters + 1
                  if net_count[network] == nil then net_count[network] = tonumber(redis.call('HGET', networks_key, network) or '0') end
                  net_count[network] = net_count[network] + 1
                  net_added[network] = (net_added[network] or 0) + 1
                end
                for j = first, last do add(ARGV[j], points(j - first + 1)) end
                redis.call('HSET', voters_key, voter, choices)
                redis.call('RPUSH', audit_key, audit_line(ARGV[1], voter, choices, previous or '', origin, node, 'c'))
                decided[voter] = choices
                version = version + 1
                answer(previous and 'Changed' or 'Accepted', choices, previous or '', tostring(version))
              end
            end
          end
        end

        for _, id in ipairs(touched) do
          if delta[id] ~= 0 then redis.call('HINCRBY', counts_key, id, delta[id]) end
        end
        if new_voters > 0 then redis.call('HINCRBY', counts_key, '_total', new_voters) end
        for network, added in pairs(net_added) do redis.call('HINCRBY', networks_key, network, added) end
        if meta[1] then
          for outcome, count in pairs(tally) do redis.call('HINCRBY', outcomes_key, outcome, count) end
        end
        if version > first_version then redis.call('HINCRBY', counts_key, '_version', version - first_version) end
        return reply
        """;

    /// <summary>
    /// Tallies a vote refused before it reached the poll (rate limit, no voter identity), when the poll exists.
    /// </summary>
    public const string CountRefusal = """
        local meta_key, outcomes_key = KEYS[1], KEYS[2]
        local outcome = ARGV[1]
        if redis.call('EXISTS', meta_key) == 1 then redis.call('HINCRBY', outcomes_key, outcome, 1) end
        return 0
        """;

    /// <summary>
    /// Counts a poll again from its audit records, after the newsroom excluded or admitted a network: each voter's latest
    /// choices count unless the voter's network (of their first record) is excluded, or, not admitted, past the cap of
    /// counted voters, in the order voters first came; the rest are held. Rewrites counts, voters, held and per-network
    /// counts in one step and raises the version by one, so every reader gets the corrected snapshot.
    /// KEYS: as <see cref="VoteBatch"/>, then the tally log's recounts list. ARGV[1]: the per-network cap (0: none). ARGV[2]
    /// (-1: none; the repair after an unclean stop of the embedded store): the most any count may differ from what the
    /// records give for the recount to be written (times a ranking's top points); a poll whose counts already agree, or
    /// differ by more (counts the records do not explain, such as a seeded poll's), is left as it is. ARGV[3]: why
    /// ("exclude", "admit", "repair"). A recount that writes notes itself in the recounts list ("auditLength voters reason
    /// option count…", see <see cref="Storage.RedisKeys.PollLogRecounts"/>), so the tally log records it at its place.
    /// Returns {counted voters, held voters, version, "written" | "same" | "left"}.
    /// A ranking's counts are Borda points, as in <see cref="VoteBatch"/>.
    /// The whole audit list is read at once: a poll of a million votes blocks the store for about a second.
    /// </summary>
    public const string Recount = AuditLine + """

        local meta_key, counts_key, voters_key, audit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        local held_key, networks_key, excluded_key, admitted_key = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
        local cap = tonumber(ARGV[1])
        local tolerance = tonumber(ARGV[2] or '-1')
        if redis.call('EXISTS', meta_key) == 0 then return nil end
        local ranked = redis.call('HGET', meta_key, 'kind') == 'ranking'
        local max_choices = tonumber(redis.call('HGET', meta_key, 'maxChoices') or '0')
        if ranked and tolerance > 0 then tolerance = tolerance * math.max(1, max_choices - 1) end

        local latest, first_net, order = {}, {}, {}
        for _, record in ipairs(redis.call('LRANGE', audit_key, 0, -1)) do
          local parts = audit_fields(record)
          local voter, choices, network = parts[2], parts[3], string.match(parts[5] or '', '^[^|]*')
          if voter and choices then
            if latest[voter] == nil then order[#order + 1] = voter; first_net[voter] = network end
            latest[voter] = choices
          end
        end

        local counts = {}
        for _, field in ipairs(redis.call('HKEYS', counts_key)) do
          if string.sub(field, 1, 1) ~= '_' then counts[field] = 0 end
        end
        local rule, net_count, total, counted, held = {}, {}, 0, {}, {}
        for _, voter in ipairs(order) do
          local network = first_net[voter]
          if rule[network] == nil then
            if redis.call('SISMEMBER', excluded_key, network) == 1 then rule[network] = 'x'
            elseif network == 'exempt' or redis.call('SISMEMBER', admitted_key, network) == 1 then rule[network] = 'a'
            else rule[network] = 'n' end
          end
          local count = net_count[network] or 0
          if rule[network] == 'x' or (rule[network] == 'n' and cap > 0 and count >= cap) then
            held[#held + 1] = voter
          else
            counted[#counted + 1] = voter
            net_count[network] = count + 1
            total = total + 1
            local p = 0
            for id in string.gmatch(latest[voter], '[^,]+') do
              p = p + 1
              if counts[id] ~= nil then counts[id] = counts[id] + (ranked and (max_choices - p) or 1) end
            end
          end
        end

        if tolerance >= 0 then
          local largest, differs = 0, false
          local function compare(field, expected)
            local difference = math.abs(tonumber(redis.call('HGET', counts_key, field) or '0') - expected)
            if difference > 0 then differs = true end
            if difference > largest then largest = difference end
          end
          for id, count in pairs(counts) do compare(id, count) end
          compare('_total', total)
          if redis.call('HLEN', voters_key) ~= total then differs = true end
          local version = tonumber(redis.call('HGET', counts_key, '_version') or '0')
          if not differs then return {total, #held, version, 'same'} end
          if largest > tolerance then return {total, #held, version, 'left'} end
        end

        redis.call('DEL', voters_key, held_key, networks_key)
        for _, voter in ipairs(counted) do redis.call('HSET', voters_key, voter, latest[voter]) end
        for _, voter in ipairs(held) do redis.call('HSET', held_key, voter, latest[voter]) end
        for id, count in pairs(counts) do redis.call('HSET', counts_key, id, count) end
        for network, count in pairs(net_count) do redis.call('HSET', networks_key, network, count) end
        redis.call('HSET', counts_key, '_total', total)
        local version = redis.call('HINCRBY', counts_key, '_version', 1)
        if KEYS[10] then
          local note = { tostring(redis.call('LLEN', audit_key)), tostring(total), ARGV[3] or 'recount' }
          for id, count in pairs(counts) do note[#note + 1] = id; note[#note + 1] = tostring(count) end
          redis.call('RPUSH', KEYS[10], table.concat(note, ' '))
        end
        return {total, #held, version, 'written'}
        """;

    /// <summary>
    /// Reads a poll in one step, so its state, counts and version always belong together.
    /// Returns nil when there is no such poll; its version (a number) when that is not above the one given; otherwise
    /// {state, opensAt, closesAt, def, epoch, revealed ("1" when a quiz's answers were revealed), n, then the counts hash as
    /// n items field, value, field, value…, then a words poll's word-states hash as field, value…}.
    /// </summary>
    public const string Read = """
        local meta_key, counts_key, states_key = KEYS[1], KEYS[2], KEYS[3]
        local known = tonumber(ARGV[1])   -- a version the caller already has; -1 for none
        local known_epoch = ARGV[2]       -- the epoch that version belongs to
        local meta = redis.call('HMGET', meta_key, 'state', 'opensAt', 'closesAt', 'def', 'epoch', 'revealed')
        if not meta[1] then return nil end
        if known >= 0 and (meta[5] or '') == known_epoch then
          local version = tonumber(redis.call('HGET', counts_key, '_version') or '0')
          if version <= known then return version end
        end
        local counts = redis.call('HGETALL', counts_key)
        local reply = { meta[1], meta[2] or '', meta[3] or '', meta[4] or '', meta[5] or '', meta[6] or '', #counts }
        for i = 1, #counts do reply[#reply + 1] = counts[i] end
        local states = redis.call('HGETALL', states_key)
        for i = 1, #states do reply[#reply + 1] = states[i] end
        return reply
        """;

    /// <summary>
    /// Gives a poll a new epoch when it still has the one the caller knows: its version went back (the store lost its
    /// newest votes, e.g. in a failover to a replica that had not received them), so readers must take the counts as
    /// they are now rather than wait for the version to pass the one they saw. Several nodes may notice at once; the
    /// first renews, the others find the new epoch. Returns the epoch the poll has now, or nil when there is no such poll.
    /// </summary>
    public const string RenewEpoch = """
        local meta_key = KEYS[1]
        local known_epoch, new_epoch = ARGV[1], ARGV[2]
        if redis.call('EXISTS', meta_key) == 0 then return nil end
        local epoch = redis.call('HGET', meta_key, 'epoch') or ''
        if epoch ~= known_epoch then return epoch end
        redis.call('HSET', meta_key, 'epoch', new_epoch)
        return new_epoch
        """;

    /// <summary>
    /// The newsroom opens or closes a poll, or reveals a quiz's answers. Opening clears a schedule that would keep it shut;
    /// closing clears the closing time. Returns the new version, or -1 for no such poll.
    /// </summary>
    public const string SetState = """
        local meta_key, counts_key = KEYS[1], KEYS[2]
        local action = ARGV[1]            -- 'open' | 'close' | 'reveal'
        local now = tonumber(ARGV[2])     -- ms
        if redis.call('EXISTS', meta_key) == 0 then return -1 end
        if action == 'reveal' then
          redis.call('HSET', meta_key, 'revealed', '1')
        elseif action == 'open' then
          local closes = redis.call('HGET', meta_key, 'closesAt')
          if closes ~= '' and tonumber(closes) <= now then closes = '' end
          redis.call('HSET', meta_key, 'state', 'open', 'opensAt', '', 'closesAt', closes)
        else
          redis.call('HSET', meta_key, 'state', 'closed', 'closesAt', '')
        end
        return redis.call('HINCRBY', counts_key, '_version', 1)
        """;

    /// <summary>
    /// A scheduled opening or closing falls due. Returns 1 only for the call that made the change, so exactly one node
    /// announces it; 0 when there was nothing (left) to do.
    /// </summary>
    public const string ApplySchedule = """
        local meta_key, counts_key = KEYS[1], KEYS[2]
        local action = ARGV[1]            -- 'open' | 'close'
        local now = tonumber(ARGV[2])     -- ms
        local meta = redis.call('HMGET', meta_key, 'state', 'opensAt', 'closesAt')
        if not meta[1] then return 0 end
        if action == 'open' then
          if meta[1] ~= 'scheduled' or meta[2] == '' or tonumber(meta[2]) > now then return 0 end
          redis.call('HSET', meta_key, 'state', 'open', 'opensAt', '')
        else
          if meta[1] == 'closed' or meta[3] == '' or tonumber(meta[3]) > now then return 0 end
          redis.call('HSET', meta_key, 'state', 'closed', 'closesAt', '')
        end
        redis.call('HINCRBY', counts_key, '_version', 1)
        return 1
        """;

    /// <summary>
    /// The newsroom approves ("a") or hides ("h") entries of a words poll; each change raises the poll's version by one so every
    /// reader gets the new cloud. KEYS: meta, counts, word-states. ARGV: the state, then the entry keys. Returns the new
    /// version, or -1 for no such poll.
    /// </summary>
    public const string ModerateWords = """
        local meta_key, counts_key, states_key = KEYS[1], KEYS[2], KEYS[3]
        if redis.call('EXISTS', meta_key) == 0 then return -1 end
        for i = 2, #ARGV do redis.call('HSET', states_key, ARGV[i], ARGV[1]) end
        return redis.call('HINCRBY', counts_key, '_version', 1)
        """;

    /// <summary>
    /// Replaces the newsroom's words lists in one step. KEYS: allowed, blocked (one hash tag). ARGV: the number of allowed
    /// entries n, the n allowed entries, then the blocked ones.
    /// </summary>
    public const string SetWordLists = """
        local allowed_key, blocked_key = KEYS[1], KEYS[2]
        local n = tonumber(ARGV[1])
        redis.call('DEL', allowed_key, blocked_key)
        for i = 2, n + 1 do redis.call('SADD', allowed_key, ARGV[i]) end
        for i = n + 2, #ARGV do redis.call('SADD', blocked_key, ARGV[i]) end
        return 0
        """;
}
