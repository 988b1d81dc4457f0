#pragma once

// Elixir's Agent: a GenServer holding one state term, changed by the functions callers send it
// ({:get, fun}, {:update, fun}, {:get_and_update, fun} as calls, {:cast, fun} as a cast). Functions are function
// terms (makeFun for C++, closures for scripts) and run inside the agent.

#include "otp/childspec.h"
#include "otp/genserver.h"
#include "otp/nativefun.h"

namespace vigil::otp {

class Agent {
public:
    // initFun: a 0-arity function term whose result is the initial state.
    static Task<Term> startLink(ProcessContext& ctx, Term initFun, GenServerOptions options = {});
    static Task<Term> start(ProcessContext& ctx, Term initFun, GenServerOptions options = {});
    // Host start (unlinked) with a ready initial state. Value: pid.
    static Expected<Term, Term> start(Runtime& rt, Term initialState, GenServerOptions options = {});
    static ChildSpec childSpec(Term id, Term initialState, GenServerOptions options = {});

    static Task<Term> get(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs = 5000);
    static Task<Term> update(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs = 5000);
    static Task<Term> getAndUpdate(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs = 5000);
    static void cast(ProcessContext& ctx, const Term& agent, Term fun);
    static Task<Term> stop(ProcessContext& ctx, Term agent, Term reason = Term::atom(atoms::normal),
        int64_t timeoutMs = kInfinity);

    static Expected<Term, Term> get(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs = 5000);
    static Expected<Term, Term> update(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs = 5000);
    static Expected<Term, Term> getAndUpdate(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs = 5000);
};

} // namespace vigil::otp
