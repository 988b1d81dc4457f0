#pragma once

// Function terms with a native body, and applying function terms of any origin inside a process (Agent runs
// the functions it is given; they may come from C++ or from the script interpreter).

#include "runtime/runtime.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vigil::otp {

using NativeFunBody = std::function<Task<Term>(ProcessContext&, std::vector<Term> args)>;

// A function term of the given arity; describe is what follows "#Function<" when printed.
Term makeFun(int arity, NativeFunBody body, std::string describe = "native");
// Convenience for plain, non-suspending functions of one argument.
Term makeFun1(std::function<Term(const Term&)> fn, std::string describe = "native/1");
Term makeFun0(std::function<Term()> fn, std::string describe = "native/0");

// The script interpreter registers how to run its own closures; nullopt means "not mine".
using FunApplier = std::function<std::optional<Task<Term>>(ProcessContext&, const Term& fun, std::vector<Term> args)>;
void setFunApplier(FunApplier applier);

// Applies fun to args in the calling process. Raises {:badfun, fun} or {:badarity, {fun, args}}.
Task<Term> applyFun(ProcessContext& ctx, Term fun, std::vector<Term> args);

} // namespace vigil::otp
