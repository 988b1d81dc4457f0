#include "trace/event.h"

namespace vigil {

const char* traceKindName(TraceKind kind)
{
    switch (kind) {
    case TraceKind::Spawned: return "spawned";
    case TraceKind::Exited: return "exited";
    case TraceKind::ExitSignal: return "exit_signal";
    case TraceKind::Linked: return "linked";
    case TraceKind::Unlinked: return "unlinked";
    case TraceKind::Monitored: return "monitored";
    case TraceKind::Demonitored: return "demonitored";
    case TraceKind::DownDelivered: return "down";
    case TraceKind::MessageSent: return "sent";
    case TraceKind::MessageQueued: return "queued";
    case TraceKind::MessageReceived: return "received";
    case TraceKind::TrapExit: return "trap_exit";
    case TraceKind::Registered: return "registered";
    case TraceKind::Unregistered: return "unregistered";
    case TraceKind::ChildStarted: return "child_started";
    case TraceKind::ChildRestarted: return "child_restarted";
    case TraceKind::ChildTerminated: return "child_terminated";
    case TraceKind::SupervisorGaveUp: return "supervisor_gave_up";
    case TraceKind::Label: return "label";
    case TraceKind::MailboxStats: return "mailbox";
    }
    return "unknown";
}

const char* signalOutcomeName(SignalOutcome outcome)
{
    switch (outcome) {
    case SignalOutcome::None: return "none";
    case SignalOutcome::Trapped: return "trapped";
    case SignalOutcome::Killed: return "killed";
    case SignalOutcome::Ignored: return "ignored";
    }
    return "unknown";
}

} // namespace vigil
