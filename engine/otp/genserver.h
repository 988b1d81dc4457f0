#pragma once

// GenServer: the generic server behaviour on top of runtime processes, with Elixir 1.14 / OTP 25 semantics
// (SEMANTICS.md §7) and the real message protocol, so a scripted process can call a native server and back:
//   call:  {:"$gen_call", {caller, ref}, request}  answered by {ref, reply}; the caller monitors the server
//   cast:  {:"$gen_cast", message}
//   start: the new process answers its starter with {:ack, pid, result} (proc_lib's protocol)
//   stop:  {:system, {caller, ref}, {:terminate, reason}}
//
// A server is an object deriving from GenServer; its callbacks are coroutines (they may call other servers)
// that return the same terms an Elixir module returns ({:reply, r, s}, {:noreply, s}, {:stop, r, s}, ...).
// One object serves one process: a restart builds a new object.

#include "runtime/runtime.h"

#include <memory>
#include <optional>

namespace vigil::otp {

struct GenServerOptions {
    std::optional<Atom> name; // registered before init runs; taken → {:error, {:already_started, pid}}
    Term label; // UI label; nil = the name, else the module
    Term module; // module atom for Process.info(:initial_call) and the label, e.g. Demo.Cache; nil = GenServer
    Atom behaviour; // UI behaviour atom; nil = :gen_server
    int64_t startTimeoutMs = kInfinity; // how long start/startLink wait for init
};

class GenServer {
public:
    virtual ~GenServer() = default;

    // Callbacks. Defaults follow `use GenServer`: init returns {:ok, arg}; handleCall and handleCast crash
    // (no clause provided); handleInfo ignores the message; terminate does nothing.
    virtual Task<Term> init(ProcessContext& ctx, Term arg);
    virtual Task<Term> handleCall(ProcessContext& ctx, Term request, Term from, Term state);
    virtual Task<Term> handleCast(ProcessContext& ctx, Term request, Term state);
    virtual Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state);
    virtual Task<Term> handleContinue(ProcessContext& ctx, Term continueArg, Term state);
    virtual Task<Term> terminate(ProcessContext& ctx, Term reason, Term state);
    // What the inspector shows for the state (like format_status/2). Runs between the server's slices and must
    // not block; throwing makes the inspector show {:vigil_state_unavailable, why}.
    virtual Term formatStatus(const Term& state) const { return state; }

    // Starting. The calling process becomes the parent; startLink links it to the server.
    // Result: {:ok, pid} | :ignore | {:error, reason}.
    static Task<Term> startLink(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
        GenServerOptions options = {});
    static Task<Term> start(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
        GenServerOptions options = {});
    // From a thread that is not a process (unlinked). Value: pid; error: :ignore or the reason.
    static Expected<Term, Term> start(Runtime& rt, std::shared_ptr<GenServer> server, Term arg,
        GenServerOptions options = {});

    // Talking to a server (a pid or a registered name atom).
    // call raises exit {reason, {GenServer, :call, [server, request, timeout]}} on timeout (reason :timeout),
    // a dead or unknown server (:noproc), or a server that dies during the call (its reason).
    static Task<Term> call(ProcessContext& ctx, Term server, Term request, int64_t timeoutMs = 5000);
    static void cast(ProcessContext& ctx, const Term& server, Term message); // always :ok, never fails
    static void reply(ProcessContext& ctx, const Term& from, Term reply);
    // Stops the server with reason (terminate/2 runs), waits until it is down. Raises exit when the server is
    // not alive ({:noproc, {GenServer, :stop, ...}}) or died with another reason.
    static Task<Term> stop(ProcessContext& ctx, Term server, Term reason = Term::atom(atoms::normal),
        int64_t timeoutMs = kInfinity);

    // Host versions (thread-safe; errors are the exit reason a process would have raised).
    static Expected<Term, Term> call(Runtime& rt, const Term& server, Term request, int64_t timeoutMs = 5000);
    static void cast(Runtime& rt, const Term& server, Term message);
    static Expected<Term, Term> stop(Runtime& rt, const Term& server, Term reason = Term::atom(atoms::normal),
        int64_t timeoutMs = kInfinity);

    // The spawn half of startLink/start for callers that cannot suspend (the script interpreter): spawns the
    // server, which later sends {:ack, pid, result} to `starter`. parent nil = unlinked (the server is its own
    // parent). The caller waits for the ack itself.
    static SpawnResult spawnServer(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
        GenServerOptions options, bool link, bool monitor);

    // Resolves a server reference: a pid stays a pid, an atom is looked up (nil when not registered).
    static Term whereis(ProcessContext& ctx, const Term& server);

    // The last committed state (valid inside the server process; the inspector uses formatStatus).
    const Term& currentState() const { return m_state; }

protected:
    // Whether pid is the parent process (the starter for linked starts, the server itself otherwise).
    bool isParent(ProcessContext& ctx, const Term& pid) const
    {
        return m_parent.isPid() ? pid == m_parent : pid == ctx.self();
    }

private:
    static Task<void> serve(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term starter, Term arg,
        GenServerOptions options, bool linked);
    Task<void> loop(ProcessContext& ctx, Term timeoutOrContinue);
    Task<void> terminateAndExit(ProcessContext& ctx, Term reason, std::optional<ProcessException> cause);
    Term readState() const;

    Term m_state;
    bool m_hasState = false;
    Term m_parent; // nil when the server is its own parent
};

// Builds {reason, {Module, fun, args}} the way Elixir wraps call/await failures.
Term wrapExitReason(Term reason, Atom module, Atom fun, std::vector<Term> args);
Term timeoutTerm(int64_t timeoutMs);

} // namespace vigil::otp
