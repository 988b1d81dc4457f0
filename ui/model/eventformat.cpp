#include "eventformat.h"

#include "graphstate.h"
#include "term/print.h"

namespace vigil {

namespace {

std::string text(const Term& t, size_t limit = 160)
{
    InspectOptions o;
    o.limitChars = limit;
    return inspect(t, o);
}

std::string pidOrHost(uint64_t pid) { return pid ? pidText(pid) : std::string("host"); }

} // namespace

EventCategory eventCategory(TraceKind kind)
{
    switch (kind) {
    case TraceKind::Spawned:
    case TraceKind::Exited:
    case TraceKind::TrapExit:
    case TraceKind::Registered:
    case TraceKind::Unregistered:
    case TraceKind::Label:
        return EventCategory::Lifecycle;
    case TraceKind::ExitSignal:
    case TraceKind::DownDelivered:
        return EventCategory::Signals;
    case TraceKind::Linked:
    case TraceKind::Unlinked:
    case TraceKind::Monitored:
    case TraceKind::Demonitored:
        return EventCategory::LinksMonitors;
    case TraceKind::MessageSent:
    case TraceKind::MessageQueued:
    case TraceKind::MessageReceived:
    case TraceKind::MailboxStats:
        return EventCategory::Messages;
    case TraceKind::ChildStarted:
    case TraceKind::ChildRestarted:
    case TraceKind::ChildTerminated:
    case TraceKind::SupervisorGaveUp:
        return EventCategory::Supervision;
    }
    return EventCategory::Lifecycle;
}

const char* eventCategoryName(EventCategory c)
{
    switch (c) {
    case EventCategory::Lifecycle:
        return "Lifecycle";
    case EventCategory::Signals:
        return "Exit signals";
    case EventCategory::LinksMonitors:
        return "Links & monitors";
    case EventCategory::Messages:
        return "Messages";
    case EventCategory::Supervision:
        return "Supervision";
    case EventCategory::Count:
        break;
    }
    return "";
}

const char* eventTitle(TraceKind kind)
{
    switch (kind) {
    case TraceKind::Spawned:
        return "spawned";
    case TraceKind::Exited:
        return "exited";
    case TraceKind::ExitSignal:
        return "exit signal";
    case TraceKind::Linked:
        return "linked";
    case TraceKind::Unlinked:
        return "unlinked";
    case TraceKind::Monitored:
        return "monitor";
    case TraceKind::Demonitored:
        return "demonitor";
    case TraceKind::DownDelivered:
        return "DOWN";
    case TraceKind::MessageSent:
        return "send";
    case TraceKind::MessageQueued:
        return "queued";
    case TraceKind::MessageReceived:
        return "received";
    case TraceKind::TrapExit:
        return "trap_exit";
    case TraceKind::Registered:
        return "registered";
    case TraceKind::Unregistered:
        return "unregistered";
    case TraceKind::ChildStarted:
        return "child started";
    case TraceKind::ChildRestarted:
        return "child restarted";
    case TraceKind::ChildTerminated:
        return "child terminated";
    case TraceKind::SupervisorGaveUp:
        return "supervisor gave up";
    case TraceKind::Label:
        return "label";
    case TraceKind::MailboxStats:
        return "mailbox stats";
    }
    return "";
}

uint64_t eventSubject(const TraceEvent& e)
{
    switch (e.kind) {
    case TraceKind::ExitSignal:
    case TraceKind::MessageSent:
        return e.other ? e.other : e.pid; // what happened to the receiver is the interesting part
    default:
        return e.pid;
    }
}

uint64_t eventObject(const TraceEvent& e)
{
    switch (e.kind) {
    case TraceKind::MailboxStats:
    case TraceKind::TrapExit:
    case TraceKind::Registered:
    case TraceKind::Unregistered:
    case TraceKind::Label:
    case TraceKind::Exited:
        return 0; // other/old are not pids here
    case TraceKind::ExitSignal:
    case TraceKind::MessageSent:
        return e.pid;
    default:
        return e.other;
    }
}

std::string describeEvent(const TraceEvent& e)
{
    const std::string p = pidOrHost(e.pid);
    const std::string o = pidOrHost(e.other);
    switch (e.kind) {
    case TraceKind::Spawned: {
        std::string s = p + " spawned by " + o;
        if (!e.data.isNilAtom())
            s += " as " + labelText(e.data);
        if (!e.extra.isNilAtom())
            s += ", initial call " + mfaText(e.extra);
        return s;
    }
    case TraceKind::Exited: {
        std::string s = p + " exited: " + text(e.data);
        if (e.count)
            s += " (" + std::to_string(e.count) + (e.count == 1 ? " message" : " messages") + " left unread)";
        return s;
    }
    case TraceKind::ExitSignal: {
        std::string s = p + " → " + o + (e.count == 1 ? " exit signal over their link " : " exit signal ") + text(e.data);
        switch (e.outcome) {
        case SignalOutcome::Trapped:
            s += ": trapped, {:EXIT, …} queued";
            break;
        case SignalOutcome::Killed:
            s += ": receiver died";
            break;
        case SignalOutcome::Ignored:
            s += ": ignored";
            break;
        case SignalOutcome::None:
            break;
        }
        return s;
    }
    case TraceKind::Linked:
        return p + " linked to " + o;
    case TraceKind::Unlinked:
        return p + " unlinked from " + o;
    case TraceKind::Monitored:
        return p + " monitors " + o + " (" + text(e.data) + ")";
    case TraceKind::Demonitored:
        return p + " stopped monitoring " + o;
    case TraceKind::DownDelivered:
        return o + " got {:DOWN, " + text(e.extra) + ", :process, " + p + ", " + text(e.data) + "}";
    case TraceKind::MessageSent:
        return p + " → " + o + " " + text(e.data, 120);
    case TraceKind::MessageQueued:
        return o + " → " + p + " queued " + text(e.data, 120);
    case TraceKind::MessageReceived:
        return p + " took " + text(e.data, 120);
    case TraceKind::TrapExit:
        return p + (e.count ? " traps exits" : " stopped trapping exits");
    case TraceKind::Registered:
        return p + " registered as " + text(e.data);
    case TraceKind::Unregistered:
        return p + " unregistered " + text(e.data);
    case TraceKind::ChildStarted:
        return p + " started child " + text(e.data) + " as " + o;
    case TraceKind::ChildRestarted:
        return p + " restarted child " + text(e.data) + ": " + (e.old ? pidText(e.old) + " → " : std::string("now "))
            + o + " (restart " + std::to_string(e.count) + ")";
    case TraceKind::ChildTerminated:
        return p + " terminated child " + text(e.data) + " " + o + " (" + text(e.extra) + ")";
    case TraceKind::SupervisorGaveUp:
        return p + " gave up: child " + text(e.data) + " exceeded " + std::to_string(e.count)
            + " restarts, supervisor shuts down";
    case TraceKind::Label:
        return p + " is " + labelText(e.data) + (e.extra.isNilAtom() ? "" : " (" + text(e.extra) + ")");
    case TraceKind::MailboxStats:
        return p + " mailbox " + std::to_string(e.count) + ", " + std::to_string(e.other) + " in, "
            + std::to_string(e.old) + " out";
    }
    return p;
}

std::string jsonEscape(const std::string& s)
{
    std::string out;
    out.reserve(s.size() + 2);
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out;
}

std::string eventJsonLine(const TraceEvent& e)
{
    std::string s = "{\"seq\":" + std::to_string(e.seq) + ",\"time_ns\":" + std::to_string(e.timeNs) + ",\"kind\":\""
        + jsonEscape(traceKindName(e.kind)) + "\"";
    auto pidField = [&](const char* key, uint64_t pid) {
        if (pid)
            s += std::string(",\"") + key + "\":\"" + pidText(pid) + "\"";
    };
    pidField("pid", e.pid);
    if (e.kind == TraceKind::MailboxStats || e.kind == TraceKind::Exited) {
        s += ",\"messages_in\":" + std::to_string(e.other) + ",\"messages_out\":" + std::to_string(e.old);
    } else {
        pidField("other", e.other);
        pidField("old", e.old);
    }
    if (e.outcome != SignalOutcome::None)
        s += std::string(",\"outcome\":\"") + signalOutcomeName(e.outcome) + "\"";
    if (e.count)
        s += ",\"count\":" + std::to_string(e.count);
    if (!e.data.isNilAtom())
        s += ",\"data\":\"" + jsonEscape(text(e.data, 2000)) + "\"";
    if (e.kind == TraceKind::Exited && e.extra.isInteger())
        s += ",\"reductions\":" + std::to_string(e.extra.asInteger());
    else if (!e.extra.isNilAtom())
        s += ",\"extra\":\"" + jsonEscape(text(e.extra, 2000)) + "\"";
    s += "}";
    return s;
}

} // namespace vigil
