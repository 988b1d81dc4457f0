#include "theme.h"

namespace vigil {

namespace {
Theme g_current = Theme::light();
}

Theme Theme::light()
{
    Theme t;
    t.dark = false;
    t.canvas = QColor(0xf6, 0xf7, 0xf9);
    t.canvasGrid = QColor(0xe6, 0xe9, 0xee);
    t.text = QColor(0x1f, 0x24, 0x2d);
    t.subtleText = QColor(0x5c, 0x66, 0x75);
    t.nodeFill[int(NodeKind::Process)] = QColor(0xff, 0xff, 0xff);
    t.nodeFill[int(NodeKind::GenServer)] = QColor(0xe8, 0xf0, 0xfe);
    t.nodeFill[int(NodeKind::Task)] = QColor(0xf3, 0xea, 0xfb);
    t.nodeFill[int(NodeKind::Supervisor)] = QColor(0xe3, 0xf4, 0xe8);
    t.nodeBorder = QColor(0x9a, 0xa4, 0xb2);
    t.selection = QColor(0x1a, 0x73, 0xe8);
    t.deadFill = QColor(0xe4, 0xe4, 0xe4);
    t.treeEdge = QColor(0xb4, 0xbc, 0xc8);
    t.linkEdge = QColor(0x3b, 0x6e, 0xd6);
    t.monitorEdge = QColor(0xd9, 0x82, 0x1e);
    t.groupFill = QColor(0xee, 0xf1, 0xf5);
    t.groupBorder = QColor(0xc9, 0xd0, 0xda);
    t.status[int(NodeStatus::Waiting)] = QColor(0x8a, 0xa4, 0xc8);
    t.status[int(NodeStatus::Running)] = QColor(0x2e, 0xa0, 0x4f);
    t.status[int(NodeStatus::Exiting)] = QColor(0xe0, 0x5a, 0x2b);
    t.status[int(NodeStatus::Dead)] = QColor(0x70, 0x70, 0x70);
    t.badge[0] = QColor(0xc9, 0xcf, 0xd8);
    t.badge[1] = QColor(0x34, 0xa8, 0x53);
    t.badge[2] = QColor(0xf2, 0x99, 0x1c);
    t.badge[3] = QColor(0xd9, 0x30, 0x25);
    t.badgeText = QColor(0xff, 0xff, 0xff);
    t.flash = QColor(0x28, 0xc7, 0x6f);
    t.legendFill = QColor(255, 255, 255, 230);
    t.signalKill = QColor(0xd9, 0x30, 0x25);
    t.signalNormal = QColor(0x80, 0x88, 0x94);
    t.signalTrapped = QColor(0x8e, 0x44, 0xcf);
    return t;
}

Theme Theme::darkTheme()
{
    Theme t;
    t.dark = true;
    t.canvas = QColor(0x1b, 0x1e, 0x24);
    t.canvasGrid = QColor(0x25, 0x29, 0x31);
    t.text = QColor(0xe6, 0xe9, 0xef);
    t.subtleText = QColor(0x9a, 0xa3, 0xb2);
    t.nodeFill[int(NodeKind::Process)] = QColor(0x2b, 0x30, 0x3a);
    t.nodeFill[int(NodeKind::GenServer)] = QColor(0x22, 0x35, 0x52);
    t.nodeFill[int(NodeKind::Task)] = QColor(0x3a, 0x2a, 0x4d);
    t.nodeFill[int(NodeKind::Supervisor)] = QColor(0x1f, 0x40, 0x2c);
    t.nodeBorder = QColor(0x5a, 0x63, 0x72);
    t.selection = QColor(0x5c, 0x9d, 0xff);
    t.deadFill = QColor(0x33, 0x33, 0x36);
    t.treeEdge = QColor(0x4f, 0x57, 0x64);
    t.linkEdge = QColor(0x6f, 0x9c, 0xff);
    t.monitorEdge = QColor(0xf0, 0xa3, 0x5e);
    t.groupFill = QColor(0x22, 0x26, 0x2d);
    t.groupBorder = QColor(0x3c, 0x43, 0x4e);
    t.status[int(NodeStatus::Waiting)] = QColor(0x6d, 0x86, 0xa8);
    t.status[int(NodeStatus::Running)] = QColor(0x4c, 0xc3, 0x6e);
    t.status[int(NodeStatus::Exiting)] = QColor(0xff, 0x7a, 0x45);
    t.status[int(NodeStatus::Dead)] = QColor(0x80, 0x80, 0x80);
    t.badge[0] = QColor(0x4a, 0x50, 0x5a);
    t.badge[1] = QColor(0x3a, 0xb0, 0x5e);
    t.badge[2] = QColor(0xf0, 0x9a, 0x2a);
    t.badge[3] = QColor(0xf0, 0x4a, 0x3e);
    t.badgeText = QColor(0xff, 0xff, 0xff);
    t.flash = QColor(0x4c, 0xe0, 0x8a);
    t.legendFill = QColor(0x23, 0x27, 0x2e, 235);
    t.signalKill = QColor(0xff, 0x5a, 0x4e);
    t.signalNormal = QColor(0x9a, 0xa3, 0xb2);
    t.signalTrapped = QColor(0xb7, 0x84, 0xf2);
    return t;
}

QPalette Theme::palette() const
{
    if (!dark)
        return QPalette(QColor(0xef, 0xf0, 0xf2), QColor(0xf6, 0xf7, 0xf9));
    QPalette p;
    const QColor window(0x24, 0x27, 0x2e);
    const QColor base(0x1b, 0x1e, 0x24);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x22, 0x25, 0x2b));
    p.setColor(QPalette::ToolTipBase, QColor(0x30, 0x34, 0x3c));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, subtleText);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2d, 0x31, 0x39));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x6e, 0xc4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, selection);
    p.setColor(QPalette::Mid, QColor(0x3a, 0x3f, 0x48));
    p.setColor(QPalette::Dark, QColor(0x15, 0x17, 0x1b));
    p.setColor(QPalette::Light, QColor(0x40, 0x45, 0x4f));
    p.setColor(QPalette::Disabled, QPalette::Text, subtleText);
    p.setColor(QPalette::Disabled, QPalette::WindowText, subtleText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, subtleText);
    return p;
}

QColor Theme::badgeColor(int64_t depth) const
{
    if (depth <= 0)
        return badge[0];
    if (depth <= 10)
        return badge[1];
    if (depth <= 1000)
        return badge[2];
    return badge[3];
}

QColor Theme::signalColor(SignalOutcome outcome) const
{
    switch (outcome) {
    case SignalOutcome::Killed:
        return signalKill;
    case SignalOutcome::Trapped:
        return signalTrapped;
    default:
        return signalNormal;
    }
}

const Theme& Theme::current() { return g_current; }

void Theme::setCurrent(const Theme& theme) { g_current = theme; }

} // namespace vigil
