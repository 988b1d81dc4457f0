#pragma once

// Child specifications shared by Supervisor and DynamicSupervisor (SEMANTICS.md §6.1), and the child operations
// both run inside the supervisor process: start one child, stop one child (§6.5), decide a restart (§6.6).

#include "runtime/runtime.h"

#include <functional>
#include <optional>
#include <vector>

namespace vigil::otp {

// Runs inside the supervisor process and must start *and link* the child, like an MFA start_link:
// returns {:ok, pid} | {:ok, pid, info} | :ignore | {:error, reason}.
using StartFun = std::function<Task<Term>(ProcessContext&)>;
// The same, receiving a DynamicSupervisor's extra_arguments (prepended to the child's own arguments).
using StartWithArgsFun = std::function<Task<Term>(ProcessContext&, std::vector<Term> extraArgs)>;

struct Shutdown {
    enum class Kind : uint8_t { Default, BrutalKill, Timeout, Infinity };
    Kind kind = Kind::Default; // Default: 5000 ms for workers, infinity for supervisors
    int64_t ms = 5000;
    static Shutdown brutalKill() { return { Kind::BrutalKill, 0 }; }
    static Shutdown timeout(int64_t ms) { return { Kind::Timeout, ms }; }
    static Shutdown infinity() { return { Kind::Infinity, 0 }; }
};

struct ChildSpec {
    Term id;
    StartFun start;
    StartWithArgsFun startWithArgs; // takes precedence over start when set
    Atom restart = atoms::permanent; // :permanent | :transient | :temporary
    Shutdown shutdown;
    Atom type = atoms::worker; // :worker | :supervisor
    bool significant = false;
    Term modules; // nil = [id]

    // The effective shutdown (resolves Default by type).
    Shutdown effectiveShutdown() const;
    Term modulesTerm() const;
};

// A child spec as a term (a map with :id, :start, :restart, :shutdown, :type, :significant, :modules), so it can
// travel in a {:start_child, spec} call. :start holds the StartFun wrapped in a function term.
Term childSpecToTerm(const ChildSpec& spec);
// Reads such a map back. :start may also be anything a registered resolver understands (e.g. a script {M, F, A}).
Expected<ChildSpec, Term> childSpecFromTerm(const Term& spec);
using StartResolver = std::function<std::optional<StartWithArgsFun>(const Term& start)>;
void setStartResolver(StartResolver resolver);

// Restart decision of §6.6 for a child that exited with reason.
bool shouldRestart(Atom restart, const Term& reason);

namespace detail {

// Runs the start function inside the supervisor; the result is normalised to {:ok, pid} | {:ok, :undefined} (ignore)
// | {:error, reason}, as supervisor:do_start_child does (an exception becomes {:error, {:EXIT, reason}}).
Task<Term> startChildProcess(ProcessContext& ctx, ChildSpec spec, std::vector<Term> extraArgs);
// Stops one linked child as §6.5 says (monitor, unlink, shutdown signal, wait, kill) and returns its exit reason.
Task<Term> shutdownChild(ProcessContext& ctx, Term pid, Shutdown shutdown);
// Stops several children at once (DynamicSupervisor): every signal first, then every DOWN. Returns
// (pid, exit reason) in the order they went down.
Task<std::vector<std::pair<Term, Term>>> shutdownChildrenConcurrently(
    ProcessContext& ctx, std::vector<std::pair<Term, Shutdown>> children);

void emitChildStarted(ProcessContext& ctx, const Term& child, const Term& id, Atom strategy);
void emitChildRestarted(ProcessContext& ctx, const Term& oldPid, const Term& newPid, const Term& id, Atom strategy,
    uint32_t count);
void emitChildTerminated(ProcessContext& ctx, const Term& child, const Term& id, const Term& reason);
void emitGaveUp(ProcessContext& ctx, const Term& id, uint32_t maxRestarts);

// Restart intensity (§6.8): timestamps in whole seconds of the runtime clock, as OTP keeps them.
class RestartIntensity {
public:
    RestartIntensity(int maxRestarts, int maxSeconds)
        : m_max(maxRestarts)
        , m_period(maxSeconds)
    {
    }
    // Records a restart at nowMs; false when it exceeds the intensity (the supervisor must give up).
    bool add(int64_t nowMs);
    size_t recent() const { return m_times.size(); }

private:
    int m_max;
    int m_period;
    std::vector<int64_t> m_times; // oldest first
};

} // namespace detail

} // namespace vigil::otp
