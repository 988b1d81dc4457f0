#pragma once

// "Send a message" and "Exit with a reason": a target, a term editor and a button that stays disabled while the
// term does not parse, so nothing is ever sent on error. The action itself is a callback. GUI thread only.

#include "termeditor.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QPushButton;

namespace vigil {

class MessageDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Send, Exit };
    // The callback returns an error text, or empty on success (the dialog then closes).
    using Action = std::function<QString(const Term& term)>;

    MessageDialog(Mode mode, const QString& targetText, TermEditor::PidResolver resolver, Action action,
        QWidget* parent = nullptr);

    TermEditor* termEditor() const { return m_editor; }
    QPushButton* actionButton() const { return m_button; }
    QComboBox* reasonBox() const { return m_reasons; }
    // Runs the action if the term is valid (what the button does). Returns whether it ran.
    bool submit();

private:
    void updateButton();

    Mode m_mode;
    TermEditor* m_editor;
    QComboBox* m_reasons = nullptr;
    QLabel* m_result;
    QPushButton* m_button;
    Action m_action;
};

} // namespace vigil
