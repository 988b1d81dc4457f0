#include "messagedialog.h"

#include "theme.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace vigil {

MessageDialog::MessageDialog(Mode mode, const QString& targetText, TermEditor::PidResolver resolver, Action action,
    QWidget* parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_editor(new TermEditor(this))
    , m_result(new QLabel(this))
    , m_action(std::move(action))
{
    setObjectName(mode == Mode::Send ? QStringLiteral("sendDialog") : QStringLiteral("exitDialog"));
    setWindowTitle(mode == Mode::Send ? tr("Send a message") : tr("Exit with a reason"));
    setAttribute(Qt::WA_DeleteOnClose);
    auto* lay = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    auto* target = new QLabel(targetText, this);
    target->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(mode == Mode::Send ? tr("To:") : tr("Process:"), target);
    if (mode == Mode::Exit) {
        m_reasons = new QComboBox(this);
        m_reasons->setObjectName(QStringLiteral("reasonBox"));
        m_reasons->addItem(tr(":normal — ignored unless it traps exits"), QStringLiteral(":normal"));
        m_reasons->addItem(tr(":shutdown"), QStringLiteral(":shutdown"));
        m_reasons->addItem(tr(":kill — untrappable, dies :killed"), QStringLiteral(":kill"));
        m_reasons->addItem(tr("Custom term…"), QString());
        m_reasons->setCurrentIndex(1);
        form->addRow(tr("Reason:"), m_reasons);
        connect(m_reasons, &QComboBox::currentIndexChanged, this, [this](int i) {
            const QString preset = m_reasons->itemData(i).toString();
            m_editor->setVisible(preset.isEmpty());
            if (!preset.isEmpty())
                m_editor->setText(preset);
            else {
                m_editor->setText(QStringLiteral("{:shutdown, :maintenance}"));
                m_editor->editor()->setFocus();
                m_editor->editor()->selectAll();
            }
        });
    }
    lay->addLayout(form);
    lay->addWidget(m_editor, 1);
    m_editor->setPidResolver(std::move(resolver));
    if (mode == Mode::Exit) {
        m_editor->setText(QStringLiteral(":shutdown"));
        m_editor->setVisible(false);
    }
    m_result->setObjectName(QStringLiteral("resultLabel"));
    m_result->setWordWrap(true);
    m_result->setVisible(false);
    lay->addWidget(m_result);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_button = buttons->addButton(mode == Mode::Send ? tr("Send") : tr("Exit process"), QDialogButtonBox::AcceptRole);
    m_button->setObjectName(QStringLiteral("actionButton"));
    m_button->setDefault(true);
    lay->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_button, &QPushButton::clicked, this, &MessageDialog::submit);
    connect(m_editor, &TermEditor::validityChanged, this, &MessageDialog::updateButton);
    connect(m_editor, &TermEditor::submitted, this, &MessageDialog::submit);
    updateButton();
    resize(480, mode == Mode::Send ? 260 : 200);
    m_editor->editor()->setFocus();
}

void MessageDialog::updateButton() { m_button->setEnabled(m_editor->isValid()); }

bool MessageDialog::submit()
{
    const std::optional<Term> t = m_editor->term();
    if (!t) {
        m_editor->editor()->setFocus();
        return false; // the inline error already says why
    }
    const QString error = m_action ? m_action(*t) : QString();
    if (!error.isEmpty()) {
        m_result->setStyleSheet(QStringLiteral("color: %1;").arg(Theme::current().signalKill.name()));
        m_result->setText(error);
        m_result->setVisible(true);
        return true;
    }
    accept();
    return true;
}

} // namespace vigil
