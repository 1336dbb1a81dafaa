using LivePoll.Contracts;
using LivePoll.Server.Polls;

namespace LivePoll.Server.Tally;

/// <summary>
/// The tally log over HTTP: the newest signed head, every head, a head by size, an answer's inclusion proof by its
/// receipt, a consistency proof between two sizes, the leaves in pages, and the public keys that sign heads. A poll's
/// log is open to whoever may see its counts (the same rule as GET /api/polls/{id}: a poll showing counts only after a
/// vote opens its log to a voter who voted; one showing them after close, at close; one for the newsroom only, never here).
/// </summary>
internal static class TallyApi
{
    public const int LeavesPage = 1000;

    public static IEndpointRouteBuilder MapTally(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/livepoll-tally-keys", async (HttpContext context, TallySigner signer) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Ok(await signer.PublicKeysAsync());
            })
            .WithTags("Tally log")
            .WithSummary("The public keys that sign tally heads")
            .WithDescription("Each key's id (as heads name it in keyId), algorithm ES256 (ECDSA P-256 with SHA-256; signatures are r‖s, "
                + "64 bytes, base64) and SubjectPublicKeyInfo (DER, base64), for WebCrypto's importKey('spki', …) or .NET's "
                + "ECDsa.ImportSubjectPublicKeyInfo.");

        var group = app.MapGroup("/api/polls/{pollId}/log").WithTags("Tally log");
        group.MapGet("", async Task<IResult> (string pollId, HttpContext context, PollStore store, TallyLog log, TimeProvider clock) =>
                await OpenAsync(pollId, context, store, clock) is { } refused ? refused
                    : await log.NewestHeadAsync(pollId) is { } head ? TypedResults.Ok(head)
                    : Problem(StatusCodes.Status404NotFound, "No signed head yet",
                        $"Poll {pollId}'s log has no signed head yet: the first is signed within seconds of the first vote, or when the poll closes."))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<TallyHead>()
            .WithSummary("The newest signed head of a poll's tally log")
            .WithDescription("size leaves with Merkle root root (RFC 9162 hashing: SHA-256 of 0x00‖leaf for a leaf, of 0x01‖left‖right "
                + "for a node), the voters and per-option counts those leaves sum to, when it was signed (Unix ms), final (signed once "
                + "the poll closed with every counted answer logged), keyId and signature over the text TallyHeads.SignedText "
                + "describes (docs/verifiable-tally.md). Heads are signed every Tally:HeadIntervalMs (2 s) while the poll changes. "
                + "404 before the first head.");

        group.MapGet("/heads", async Task<IResult> (string pollId, HttpContext context, PollStore store, TallyLog log, TimeProvider clock) =>
                await OpenAsync(pollId, context, store, clock) is { } refused ? refused : TypedResults.Ok(await log.HeadsAsync(pollId)))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<List<TallyHead>>()
            .WithSummary("Every signed head of a poll's log, oldest first")
            .WithDescription("Sizes never go down; a verifier checks each head's signature, that its root is the root of the first "
                + "size leaves, and that its counts are what those leaves sum to.");

        group.MapGet("/heads/{size:long}", async Task<IResult> (string pollId, long size, HttpContext context, PollStore store, TallyLog log, TimeProvider clock) =>
                await OpenAsync(pollId, context, store, clock) is { } refused ? refused
                    : (await log.HeadsAsync(pollId)).LastOrDefault(h => h.Size == size) is { } head ? TypedResults.Ok(head)
                    : Problem(StatusCodes.Status404NotFound, "No head of that size", $"Poll {pollId} has no signed head of size {size}."))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<TallyHead>()
            .WithSummary("The signed head of a given size (the final one when two share it)");

        group.MapGet("/proof/{receipt}", InclusionAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<TallyInclusionProof>()
            .WithSummary("Proof that a vote was counted: its leaf and audit path to the newest signed head")
            .WithDescription("receipt: the receipt a vote's answer carried (Accepted, Changed). Answers the leaf's index and exact text, "
                + "the newest signed head that includes it (or the head of ?size= when given) and the audit path, leaf to root, hex. "
                + "Verify: hash the leaf's UTF-8 bytes as a leaf, fold the path as RFC 9162 §2.1.3.2 says, compare with head.root, and "
                + "check the head's signature. 404 while the answer is not yet in a signed head (a few seconds after the vote) or for "
                + "an unknown receipt.");

        group.MapGet("/consistency", ConsistencyAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<TallyConsistencyProof>()
            .WithSummary("Proof that the log of ?from= leaves is a prefix of the log of ?to= leaves")
            .WithDescription("RFC 9162 §2.1.4: the hashes, hex, that let anyone holding both heads' roots check that the later log only "
                + "added leaves. 0 < from ≤ to ≤ the log's size.");

        group.MapGet("/leaves", LeavesAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<TallyLeavesPage>()
            .WithSummary("The log's leaves, a page at a time")
            .WithDescription($"?start= (from 0) and ?count= (1-{LeavesPage}, default {LeavesPage}). Each leaf is the exact JSON text "
                + "that was hashed: {kind: vote|change, poll, add: {option: points}, remove: {option: points}, minute, receipt}; never a "
                + "voter, token or network. A full page starting at a multiple of the page size never changes and is cached for a year.");
        return app;
    }

    private static async Task<IResult> InclusionAsync(string pollId, string receipt, long? size, HttpContext context, PollStore store, TallyLog log, TimeProvider clock)
    {
        if (await OpenAsync(pollId, context, store, clock) is { } refused)
        {
            return refused;
        }
        if (!VoteReceipts.IsWellFormed(receipt))
        {
            return Problem(StatusCodes.Status400BadRequest, "Not a receipt", "A receipt is 16 characters of A-Z, a-z, 0-9, '-' and '_', as a vote's answer gives it.");
        }
        if (await log.IndexOfReceiptAsync(pollId, receipt) is not { } index)
        {
            return Problem(StatusCodes.Status404NotFound, "Receipt not in the log yet",
                $"Poll {pollId}'s log has no leaf with receipt {receipt} yet. A counted vote is logged within seconds; try again shortly.");
        }
        var heads = await log.HeadsAsync(pollId);
        var head = size is { } wanted ? heads.LastOrDefault(h => h.Size == wanted) : heads.LastOrDefault();
        if (head is null || head.Size <= index)
        {
            return Problem(StatusCodes.Status404NotFound, "Not in a signed head yet",
                $"The leaf of receipt {receipt} is at index {index}; {(head is null ? "no head covers it" : $"the head of size {head.Size} does not cover it")} yet. "
                + "Heads are signed every few seconds while the poll changes; try again shortly.");
        }
        var (leaf, path) = await log.WithLeavesAsync(pollId, view =>
            (index, view.InclusionProof((int)index, (int)head.Size)));
        var text = (await log.LeavesAsync(pollId, index, 1)).Single();
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new TallyInclusionProof
        {
            Receipt = receipt,
            Index = leaf,
            Leaf = text,
            Head = head,
            Path = path.Select(Convert.ToHexStringLower).ToList(),
        });
    }

    private static async Task<IResult> ConsistencyAsync(string pollId, long from, long to, HttpContext context, PollStore store, TallyLog log, TimeProvider clock)
    {
        if (await OpenAsync(pollId, context, store, clock) is { } refused)
        {
            return refused;
        }
        var proof = await log.WithLeavesAsync(pollId, view =>
            from > 0 && from <= to && to <= view.Hashes.Count ? MerkleTree.ConsistencyProof(view.Hashes, (int)from, (int)to) : null);
        return proof is null
            ? Problem(StatusCodes.Status400BadRequest, "Sizes out of range", "from and to must satisfy 0 < from ≤ to ≤ the log's size.")
            : TypedResults.Ok(new TallyConsistencyProof { From = from, To = to, Proof = proof.Select(Convert.ToHexStringLower).ToList() });
    }

    private static async Task<IResult> LeavesAsync(string pollId, long? start, int? count, HttpContext context, PollStore store, TallyLog log, TimeProvider clock)
    {
        if (await OpenAsync(pollId, context, store, clock) is { } refused)
        {
            return refused;
        }
        var first = start ?? 0;
        var take = count ?? LeavesPage;
        if (first < 0 || take is < 1 or > LeavesPage)
        {
            return Problem(StatusCodes.Status400BadRequest, "Page out of range", $"start must be 0 or more and count 1 to {LeavesPage}.");
        }
        var leaves = await log.LeavesAsync(pollId, first, take);
        var size = await log.SizeAsync(pollId);
        // Leaves never change: a full page on the page grid is the same forever.
        context.Response.Headers.CacheControl = leaves.Count == LeavesPage && first % LeavesPage == 0 ? "public, max-age=31536000, immutable" : "no-store";
        return TypedResults.Ok(new TallyLeavesPage { Start = first, Size = size, Leaves = leaves });
    }

    /// <summary>Null when the caller may read this poll's log; otherwise the refusal (unknown poll, counts hidden).</summary>
    private static async Task<IResult?> OpenAsync(string pollId, HttpContext context, PollStore store, TimeProvider clock)
    {
        if (!PollRequests.IsValidId(pollId) || await store.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) is not { } poll)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown poll", VoteResults.Create(VoteOutcome.UnknownPoll, pollId).Message);
        }
        var voter = VoterMiddleware.Get(context);
        var voted = voter.IsValid && await store.GetChoicesAsync(pollId, voter.Id!) is not null;
        return poll.ResultsVisibleTo(voted, newsroom: false) ? null
            : Problem(StatusCodes.Status403Forbidden, "Counts not shown yet",
                $"Poll {pollId} does not show its counts to you yet ({poll.Definition.ResultVisibility}), and its log would: it opens when they do.");
    }

    private static IResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
