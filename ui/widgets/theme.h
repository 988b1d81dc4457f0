#pragma once

// Colours of the window and the graph, in a light and a dark variant. GUI thread only.

#include "graphstate.h"

#include <QColor>
#include <QPalette>

namespace vigil {

struct Theme {
    bool dark = false;
    QColor canvas;
    QColor canvasGrid;
    QColor text;
    QColor subtleText;
    QColor nodeFill[4]; // by NodeKind
    QColor nodeBorder;
    QColor selection;
    QColor deadFill;
    QColor treeEdge;
    QColor linkEdge;
    QColor monitorEdge;
    QColor groupFill;
    QColor groupBorder;
    QColor status[4]; // by NodeStatus
    QColor badge[4]; // 0, 1-10, 11-1000, >1000
    QColor badgeText;
    QColor flash;
    QColor legendFill;
    QColor signalKill;
    QColor signalNormal;
    QColor signalTrapped;

    static Theme light();
    static Theme darkTheme();
    QPalette palette() const;
    QColor badgeColor(int64_t depth) const;
    QColor signalColor(SignalOutcome outcome) const;

    // The theme in use; set by the main window.
    static const Theme& current();
    static void setCurrent(const Theme& theme);
};

} // namespace vigil
