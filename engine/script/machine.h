#pragma once

// The interpreter's execution engine: a machine with explicit value, variable and frame stacks that runs
// compiled syntax trees without native recursion for Elixir-level calls. It stops when the process must wait
// (receive, sleep) and continues when given the message, so a suspended process holds no native stack.

#include "runtime/runtime.h"
#include "script/ast.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace vigil::script {

class Machine;
class ScriptEngine;

struct FunctionDef {
    Atom module;
    Atom name;
    int arity = 0;
    bool priv = false;
    std::vector<Clause*> clauses;
    int numSlots = 0;
    int line = 0;
    const struct Program* program = nullptr;
};

struct ModuleDef {
    Atom name;
    std::unordered_map<uint64_t, FunctionDef*> funs; // key: name index << 8 | arity
    std::vector<Atom> behaviours; // :gen_server, :supervisor, :agent, :task
    std::map<std::string, Term> attrs;
    std::optional<std::vector<std::pair<Atom, Term>>> structFields; // defstruct: fields and defaults, in order
    int anonCount = 0;
    FunctionDef* find(Atom name, int arity) const
    {
        auto it = funs.find((uint64_t(name.index()) << 8) | uint64_t(arity));
        return it == funs.end() ? nullptr : it->second;
    }
};

// One parsed and compiled text (a file, a console input, the prelude). Kept alive by everything that runs it.
struct Program {
    Arena arena;
    std::string file; // as shown in stack traces, e.g. "a.exs"
    Node* top = nullptr;
    int topSlots = 0;
    std::vector<std::unique_ptr<FunctionDef>> functions;
    std::vector<std::unique_ptr<ModuleDef>> modules;
    bool prelude = false;
    std::string text; // the source, when the program owns it
};

// Closure created by fn or &capture.
struct ScriptFun : FunObject {
    const Program* program = nullptr; // programs live as long as the engine
    const Node* fn = nullptr; // Fn node
    Atom module; // where it was defined (:elixir_compiler_0 for the script top level)
    Atom enclosing; // enclosing function name
    int enclosingArity = 0;
    std::vector<Term> captured;
    int arity() const override;
    std::string describe() const override;
};

// &Mod.fun/arity
struct ExternalFun : FunObject {
    Atom module;
    Atom name;
    int ar = 0;
    bool local = false; // &name/arity inside the module: private functions allowed
    int arity() const override { return ar; }
    std::string describe() const override;
};

// Everything shared by the interpreted processes of one run: modules, output, the file name. Owned by a
// shared_ptr: every machine and every spawned-but-not-started process keeps it alive, so processes that outlive
// the console or runtime wrapper that created them never run code whose definitions are gone.
class ScriptEngine : public std::enable_shared_from_this<ScriptEngine> {
public:
    explicit ScriptEngine(std::function<void(const std::string&)> output);
    ~ScriptEngine();

    // Parses and compiles text; registers its modules. Throws SyntaxError or CompileError.
    std::shared_ptr<Program> load(const std::string& text, const std::string& file, bool console = false);

    // Keeps a program alive as long as the engine (closures and modules point into it).
    void adopt(std::shared_ptr<Program> program);
    ModuleDef* module(Atom name) const;
    void registerModule(ModuleDef* m);
    void write(const std::string& text);
    // Drops all further output (the run is over).
    void silence();
    // Logger-style report: "\nHH:MM:SS.mmm [error] text\n". A report a process makes itself (GenServer, Task,
    // Logger calls) is durable: it is written even if the VM halts right after; the runtime's report about a
    // crashed plain process is not, as on the BEAM where it is produced after the death.
    void logError(const std::string& text, bool durable = true);
    void log(const char* level, const std::string& text, bool durable = true);
    // A report a behaviour makes about its own end (GenServer, Task, Agent terminating): on the BEAM it reaches the
    // console before what others print once they learn of that end, so it is written at once when no older line is
    // still waiting.
    void logReport(const std::string& text);
    void log(const char* level, const std::string& text, bool durable, bool atOnce);
    // Logger output is asynchronous, as Elixir's is: reports appear a little after the event. Stopping drops what
    // is not written yet, like a halting VM.
    void stopLogger();
    int64_t loggerDelayMs = 15;
    const std::shared_ptr<Program>& prelude() const { return m_prelude; }
    bool console = false; // shell helpers (flush, pid/3, i/1) allowed
    // System.halt/1: the script's exit code, and the process whose end stops the run.
    void requestHalt(int code);
    std::optional<int> haltCode() const;
    // What a halt does besides recording the code (called at most once per halt, from the halting process).
    void setOnHalt(std::function<void()> fn);

private:
    mutable std::shared_mutex m_mutex;
    std::unordered_map<uint32_t, ModuleDef*> m_modules;
    std::vector<std::shared_ptr<Program>> m_programs;
    std::shared_ptr<Program> m_prelude;
    std::function<void(const std::string&)> m_output;
    std::mutex m_outMutex;
    bool m_silent = false;
    struct LogEntry {
        std::chrono::steady_clock::time_point due;
        std::string text;
        bool durable;
    };
    mutable std::mutex m_haltMutex;
    std::optional<int> m_haltCode;
    std::function<void()> m_onHalt;
    std::mutex m_logMutex;
    std::condition_variable m_logCv;
    std::deque<LogEntry> m_log;
    std::thread m_logThread;
    bool m_logStop = false;
    bool m_logWriting = false; // logLoop has taken a line off m_log and not written it yet
    void logLoop();
};

struct CompileError : std::runtime_error {
    CompileError(int l, const std::string& m)
        : std::runtime_error(m)
        , line(l)
    {
    }
    int line;
};

// Throws an Elixir-level error from native code.
[[noreturn]] void throwError(Term reason);
[[noreturn]] void throwExit(Term reason);
[[noreturn]] void throwThrow(Term value);
// %Name{message: msg} exception struct
Term exceptionStruct(std::string_view module, std::vector<std::pair<std::string, Term>> fields);
[[noreturn]] void raiseArgumentError(const std::string& msg = "argument error");
[[noreturn]] void raiseRuntime(const std::string& msg);
// Error for a construct outside the subset.
[[noreturn]] void raiseUnsupported(const std::string& what);

// Decorations of the stack trace of the error about to be thrown (consumed when the machine records it).
void setErrorTopFrame(Term frame);
// A BIF's bad argument as the BEAM raises it: reason :badarg, and an innermost frame of the BIF's call
// ({:erlang, fun, args, [error_info: %{module: :erl_erts_errors}]}, with the BEAM's cause where it gives one) from
// which the ArgumentError's message says which argument was wrong and why.
[[noreturn]] void bifBadarg(const char* fun, std::vector<Term> args, const char* cause = nullptr);
void setRaiseErrorInfo();

// Elixir exception normalisation (Exception.normalize/3): erlang error reasons to exception structs.
Term normalizeError(const Term& reason, const Term& stack = Term());
// Exception.message/1
std::string exceptionMessage(const Term& exception);
// Exception.format_banner + stacktrace lines as Elixir prints them for an error/exit/throw.
std::string formatBanner(ProcessException::Kind kind, const Term& reason, const Term& stack = Term());
std::string formatStacktrace(const Term& stacktrace, const std::string& indent = "    ");
// Modules defined by scripts, not by the prelude: their stack frames never name Elixir's application, even where
// the frame's file is one of Elixir's (a default callback from `use GenServer`).
void markUserModule(Atom module);
// The process ends because of an exit signal it sent itself (Process.exit(self(), reason) without trapping, or a
// kill): it dies of the signal, not of an exception, so it reports as a process killed from outside does.
bool diedOfOwnSignal(const ProcessException& e);
bool isUserModule(Atom module);
// String.Chars.to_string
std::string toStringChars(const Term& t);
// Kernel.inspect with options (keyword list)
std::string inspectTerm(const Term& t);

enum class RunStatus : uint8_t {
    Done, // finished; result() holds the value
    Receive, // waiting for a message: receiveRequest()
    Yield, // used up its slice
};

struct ReceiveRequest {
    int64_t timeoutMs = kInfinity;
    bool any = false; // flush-style: accept every message (no clauses)
    bool sleepOnly = false; // no clauses: just wait the timeout
    bool await = false; // a native operation that suspends (takeAwait()); no message involved
};

class Machine {
public:
    Machine(ScriptEngine& engine, ProcessContext* ctx);
    ~Machine();

    // Prepares to evaluate a program's top level (the script's main process, a console input).
    void startProgram(std::shared_ptr<Program> program, std::vector<Term>* persistentSlots = nullptr);
    // Prepares to call a function value with arguments.
    void startApply(const Term& fun, std::vector<Term> args);
    void startMfa(Atom module, Atom name, std::vector<Term> args);

    // Runs until done, a receive, or the slice is used up. Throws ProcessException for an uncaught error.
    RunStatus run();
    const ReceiveRequest& receiveRequest() const { return m_recv; }
    // Whether the waiting receive accepts this message (pure: guards only). A message of a type no clause accepts,
    // or a tuple whose size and tag no clause accepts, is turned down here, before any clause runs (a selective
    // receive skips mostly such messages).
    bool matches(const Term& msg)
    {
        if (!m_recvSkip) {
            if (!(m_recvTypes >> unsigned(msg.type()) & 1))
                return false;
            if (m_recvTagCount && msg.isTuple() && !tagAccepted(msg))
                return false;
        }
        return testMessage(msg);
    }
    // A tuple size and atom first element a receive clause requires.
    struct RecvTag {
        uint32_t arity;
        Atom atom;
    };
    static constexpr int kMaxRecvTags = 4;
    // Receive marker (as the BEAM's for make_ref-based receives): a reference this process just created cannot be
    // in any message already in its mailbox, so a receive whose every clause requires that reference skips those
    // messages without testing them. make_ref and Process.monitor count the mailbox (mailboxLength) before they
    // create the reference, then mark; any removal of a message drops the mark.
    size_t mailboxLength();
    // No function of the script is running yet: a native called now is the process's initial call.
    bool atEntry() const { return m_acts.empty(); }
    void markMailbox(const Term& ref, size_t count);
    void dropMailboxMark() { m_markValid = false; }
    // Continues after a receive: the message, or nullopt when the timeout fired.
    void deliver(std::optional<Term> msg);
    Term result() const { return m_result; }

    ProcessContext& ctx();
    bool hasContext() const { return m_ctx != nullptr; }
    ScriptEngine& engine() { return m_engine; }
    // Stack trace of the current activations, innermost first.
    Term stacktrace(const Node* at = nullptr);
    // Current function for Process.info
    Term currentFunction() const;

    // Set by natives that need the machine to call a function (apply/2,3) instead of returning a value.
    void requestApply(Term fun, std::vector<Term> args);
    void requestApplyMfa(Atom module, Atom name, std::vector<Term> args);
    void requestSleep(int64_t ms);
    void requestReceiveAny(int64_t timeoutMs); // next message (flush helpers)
    // A native that needs to suspend (e.g. start a native supervisor and wait for its ack) hands over a task; the
    // driver awaits it and delivers the value (deliver) or the exception (deliverError) to the machine.
    void requestAwait(Task<Term> task);
    Task<Term> takeAwait();
    void deliverError(ProcessException e);
    std::vector<Term>* consoleSlots = nullptr; // receives the top-level variables when the program finishes
    Term dict = Term::map({}); // process dictionary
    std::shared_ptr<Term> stateBox; // behaviour state for the inspector
    Term lastStacktrace() const { return m_lastStacktrace; }
    void setFile(std::string f) { m_file = std::move(f); }

    struct Frame {
        const Node* n;
        uint32_t pc;
        uint32_t aux;
    };
    struct Activation {
        const Program* program;
        Atom module;
        Atom name;
        int arity;
        bool anonymous;
        int anonIndex;
        uint32_t slotBase;
        uint32_t frameBase; // index of the Return marker frame
        int line;
        bool isProgram = false; // a program's top level (never replaced by a tail call: its variables are kept)
    };
    struct Handler {
        uint32_t frame; // index of the Try frame
        uint32_t vals;
        uint32_t acts;
        uint32_t slots;
    };

private:
    friend struct Exec;
    ScriptEngine& m_engine;
    std::shared_ptr<ScriptEngine> m_keepAlive; // empty for an engine not owned by a shared_ptr
    ProcessContext* m_ctx;
    std::vector<Term> m_vals;
    std::vector<Term> m_slots;
    std::vector<Frame> m_frames;
    std::vector<Activation> m_acts;
    std::vector<Handler> m_handlers;
    std::vector<std::shared_ptr<Program>> m_programs; // kept alive while running
    ReceiveRequest m_recv;
    const Node* m_recvNode = nullptr;
    Term m_markRef; // receive marker (markMailbox)
    size_t m_markCount = 0;
    bool m_markValid = false;
    size_t m_recvSkip = 0; // messages the waiting receive skips untested
    uint32_t m_recvTypes = ~0u; // bit per Term::Type: the types of message some clause of the waiting receive accepts
    // When every clause of the waiting receive that accepts tuples requires a size and an atom first element, those
    // pairs: a tuple with none of them is turned down inline too.
    RecvTag m_recvTags[kMaxRecvTags];
    int m_recvTagCount = 0;
    void clearRecvFilter() // every message goes to the clauses (or to a receive without any)
    {
        m_recvTypes = ~0u;
        m_recvTagCount = 0;
    }
    bool tagAccepted(const Term& tuple) const
    {
        const auto* t = static_cast<const TupleObject*>(tuple.heapObject());
        if (t->count == 0)
            return false;
        const Term& first = t->elems[0];
        for (int i = 0; i < m_recvTagCount; ++i)
            if (m_recvTags[i].arity == t->count && first.isAtom(m_recvTags[i].atom))
                return true;
        return false;
    }
    bool testMessage(const Term& msg);
    int m_recvClause = -1; // the clause that accepted the message matches() last said yes to
    void startReceive(const Node* receive);
    Term m_result;
    // pending native requests
    enum class Pending : uint8_t { None, Apply, ApplyMfa, Sleep, ReceiveAny, Await } m_pending = Pending::None;
    std::optional<Task<Term>> m_awaitTask;
    std::optional<ProcessException> m_awaitError;
    Term m_pendFun;
    Atom m_pendMod, m_pendName;
    std::vector<Term> m_pendArgs;
    int64_t m_pendMs = 0;
    std::optional<Term> m_delivered;
    std::vector<ProcessException> m_tryExceptions;
    Term m_lastStacktrace;
    ProcessException m_startError;
    bool m_hasStartError = false;
    std::string m_file;
    bool isPreludeModule(Atom mod) const;
};

// Native function table.
using NativeFn = Term (*)(Machine&, std::span<const Term> args); // natives only read their arguments
struct NativeKey {
    uint32_t module, name;
    int arity;
    bool operator==(const NativeKey&) const = default;
};
NativeFn findNative(Atom module, Atom name, int arity);
bool nativeModuleKnown(Atom module);
void registerNative(std::string_view module, std::string_view name, int arity, NativeFn fn);
void registerBuiltins(); // idempotent
void registerOtpBridge(); // natives delegating to engine/otp

// Pattern matching (patterns are compiled nodes); binds into slots. Pure.
bool matchPattern(const Node* pat, const Term& value, Term* slots);
// Pure evaluation of a guard expression; errors make it false.
bool evalGuard(const Node* guard, Term* slots);
// A receive's clauses compiled for testing messages without the machine (set on the Receive node by the compiler).
std::shared_ptr<const RecvCode> compileReceive(const Node* receive);
// Compile-time constant evaluation (module attributes).
bool evalConst(const Node* n, Term& out);

// Arithmetic & comparisons shared by the machine and guards. Throw on bad arguments.
Term binaryOp(int op, const Term& a, const Term& b);
Term unaryOp(int op, const Term& a);

// Struct field order for printing (defstruct registers it; the term printer asks through setStructFieldsLookup).
void registerStructFields(Atom module, std::vector<Atom> fields);

// Program compilation (compile.cpp)
void compileProgram(ScriptEngine& engine, Program& program, bool console, std::vector<std::string>* consoleVars);

extern const char* const kPreludeSource;
extern const char* const kPreludeSupervisors;
extern const char* const kPreludeTail;
// The prelude's text (its Supervisor and DynamicSupervisor delegate to engine/otp's native supervisors).
std::string preludeText();

Atom atomOf(std::string_view s);
Term mkAtom(std::string_view s);

} // namespace vigil::script
