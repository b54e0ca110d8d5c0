"""/admin/managers: the team's accounts — create, role, deactivate/activate, reset password.

The markup is public; every handler checks on the server that the session is an admin's, and a
manager's session gets a refusal and no data.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.admin import managers
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.components.dialogs import dialog_form
from privet_manager_app.ui.format import moscow_datetime
from privet_manager_app.ui.state import SessionState, guard, run_domain

EMPTY_FORM = {"email": "", "name": "", "password": "", "role": "manager"}


class ManagerRow(TypedDict):
    id: int
    name: str
    initial: str
    email: str
    role_label: str
    is_admin: bool
    is_active: bool
    is_locked: bool
    is_self: bool
    in_work: int
    processed: int
    last_login: str


def _row(account: managers.ManagerAccount, actor_id: int) -> ManagerRow:
    return ManagerRow(
        id=account.id,
        name=account.name,
        initial=(account.name[:1] or "?").upper(),
        email=account.email,
        role_label=account.role_label,
        is_admin=account.role == "admin",
        is_active=account.is_active,
        is_locked=account.is_locked,
        is_self=account.id == actor_id,
        in_work=account.clients_in_work,
        processed=account.clients_processed,
        last_login=moscow_datetime(account.last_login_at) or "не входил",
    )


class ManagersState(forms.FormMixin, SessionState):
    refused: bool = False
    loaded: bool = False
    rows: list[ManagerRow] = []
    message: str = ""
    error: str = ""
    busy: bool = False

    create_open: bool = False
    form: dict[str, str] = dict(EMPTY_FORM)

    password_open: bool = False
    password_for: int = 0
    password_name: str = ""
    new_password: str = ""
    password_error: str = ""

    confirm_open: bool = False
    confirm_id: int = 0
    confirm_name: str = ""
    confirm_in_work: int = 0

    def _refuse(self, error, target: str) -> None:
        """The domain refused an admin-only action: nothing is shown, nothing stays open."""
        self.refused = True
        self.rows = []
        self.loaded = True
        self.error = error.message
        self.create_open = self.password_open = self.confirm_open = False

    async def _reload(self, actor) -> None:
        accounts = await run_domain(managers.list_managers, actor)
        self.rows = [_row(account, actor.id) for account in accounts]
        self.loaded = True

    @rx.event
    @guard(error="error")
    async def open_page(self, actor):
        self.message = ""
        self.refused = False
        await self._reload(actor)

    @rx.event
    def set_new_password(self, value: str):
        self.new_password = value
        self.password_error = ""

    @rx.event
    def open_create(self):
        # Only over a list the domain sent (a refused page has none).
        if self.refused:
            return
        self.form = dict(EMPTY_FORM)
        self.errors = {}
        self.form_error = ""
        self.create_open = True

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = value

    @rx.event
    def set_password_open(self, value: bool):
        self.password_open = value

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @rx.event
    @guard(error="error")
    async def generate_password(self, actor, target: str):
        """A random password into the create form ("form") or the reset dialog ("reset")."""
        password = managers.suggest_password(actor)
        if target == "form":
            self.form = {**self.form, "password": password}
            self.errors = {key: text for key, text in self.errors.items() if key != "password"}
        else:
            self.new_password = password
            self.password_error = ""

    @rx.event
    @guard(error="form_error", busy="busy")
    async def create(self, actor):
        account = await run_domain(
            managers.create_manager,
            actor,
            email=self.form.get("email", ""),
            name=self.form.get("name", ""),
            password=self.form.get("password", ""),
            role=self.form.get("role", "manager") or "manager",
        )
        await self._reload(actor)
        self.create_open = False
        self.error = ""
        self.message = (
            f"Учётная запись «{account.name}» создана. Передайте email {account.email} "
            "и пароль лично."
        )

    async def _update(self, actor, manager_id: int, done: str, **changes) -> None:
        self.message = ""
        account = await run_domain(managers.update_manager, actor, manager_id, **changes)
        await self._reload(actor)
        self.message = done.format(name=account.name)

    @rx.event
    @guard(error="error")
    async def make_admin(self, actor, manager_id: int):
        await self._update(actor, manager_id, "{name} теперь администратор", role="admin")

    @rx.event
    @guard(error="error")
    async def make_manager(self, actor, manager_id: int):
        await self._update(actor, manager_id, "{name} теперь менеджер", role="manager")

    @rx.event
    @guard(error="error")
    async def activate(self, actor, manager_id: int):
        await self._update(actor, manager_id, "{name}: учётная запись включена", is_active=True)

    @rx.event
    @guard(error="error")
    async def unlock(self, actor, manager_id: int):
        self.message = ""
        account = await run_domain(managers.unlock_login, actor, manager_id)
        await self._reload(actor)
        self.message = f"{account.name}: вход разблокирован"

    @rx.event
    def ask_deactivate(self, manager_id: int):
        row = next((row for row in self.rows if row["id"] == manager_id), None)
        if row is None:
            return
        self.confirm_id = manager_id
        self.confirm_name = row["name"]
        self.confirm_in_work = row["in_work"]
        self.confirm_open = True

    @rx.event
    @guard(error="error")
    async def deactivate(self, actor):
        self.confirm_open = False
        await self._update(
            actor,
            self.confirm_id,
            "{name}: учётная запись отключена, все сессии завершены",
            is_active=False,
        )

    @rx.event
    def open_password(self, manager_id: int):
        row = next((row for row in self.rows if row["id"] == manager_id), None)
        if row is None:
            return
        self.password_for = manager_id
        self.password_name = row["name"]
        self.new_password = ""
        self.password_error = ""
        self.password_open = True

    @rx.event
    @guard(error="password_error", busy="busy")
    async def save_password(self, actor):
        account = await run_domain(
            managers.reset_password, actor, self.password_for, self.new_password
        )
        await self._reload(actor)
        self.password_open = False
        self.new_password = ""
        self.error = ""
        self.message = f"{account.name}: пароль изменён, прежние сессии завершены"


# ---- Markup -------------------------------------------------------------------------------------


def _avatar(row: ManagerRow) -> rx.Component:
    return rx.box(
        rx.text(row["initial"], weight="bold", size="3"),
        width="40px",
        height="40px",
        min_width="40px",
        border_radius="50%",
        display="flex",
        align_items="center",
        justify_content="center",
        background=rx.cond(row["is_active"], rx.color("accent", 4), rx.color("gray", 4)),
        color=rx.cond(row["is_active"], rx.color("accent", 11), rx.color("gray", 10)),
    )


def _actions(row: ManagerRow) -> rx.Component:
    state = ManagersState
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis_vertical", size=18),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Действия",
                id=f"manager-actions-{row['id']}",
            )
        ),
        rx.menu.content(
            rx.cond(
                row["is_admin"],
                _item(
                    "user_round",
                    "Сделать менеджером",
                    state.make_manager(row["id"]),
                    "make-manager",
                ),
                _item(
                    "shield_check",
                    "Сделать администратором",
                    state.make_admin(row["id"]),
                    "make-admin",
                ),
            ),
            rx.cond(
                row["is_locked"],
                _item("lock_open", "Разблокировать вход", state.unlock(row["id"]), "unlock"),
            ),
            _item("key_round", "Сбросить пароль", state.open_password(row["id"]), "reset-password"),
            rx.menu.separator(),
            rx.cond(
                row["is_active"],
                _item(
                    "user_x",
                    "Отключить",
                    state.ask_deactivate(row["id"]),
                    "deactivate",
                    color="red",
                    disabled=row["is_self"],
                ),
                _item("user_check", "Включить", state.activate(row["id"]), "activate"),
            ),
        ),
    )


def _item(icon: str, label: str, on_click, action: str, **props) -> rx.Component:
    """One entry of a manager's menu (`#action-<action>`)."""
    return rx.menu.item(
        rx.icon(icon, size=14), label, on_click=on_click, id=f"action-{action}", **props
    )


def _manager_card(row: ManagerRow) -> rx.Component:
    muted = rx.color("gray", 10)
    return rx.card(
        rx.hstack(
            _avatar(row),
            rx.vstack(
                rx.hstack(
                    rx.text(row["name"], weight="bold", size="3", trim="both"),
                    rx.cond(row["is_self"], rx.text("(вы)", size="1", color=muted)),
                    spacing="1",
                    align="center",
                    wrap="wrap",
                ),
                forms.muted(row["email"], size="2", shade=11, class_name="email"),
                rx.hstack(
                    rx.badge(
                        row["role_label"],
                        color_scheme=rx.cond(row["is_admin"], "violet", "gray"),
                        variant="soft",
                    ),
                    rx.cond(
                        row["is_active"],
                        rx.badge("Активен", color_scheme="green", variant="soft"),
                        rx.badge("Отключён", color_scheme="red", variant="outline"),
                    ),
                    rx.cond(
                        row["is_locked"],
                        rx.badge("Вход заблокирован", color_scheme="orange", variant="soft"),
                    ),
                    spacing="1",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.text("В работе: ", rx.text.strong(row["in_work"]), size="1", color=muted),
                    rx.text("·", size="1", color=muted),
                    rx.text(
                        "Обработано: ", rx.text.strong(row["processed"]), size="1", color=muted
                    ),
                    spacing="1",
                    wrap="wrap",
                ),
                rx.text("Последний вход: " + row["last_login"], size="1", color=muted),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            _actions(row),
            align="start",
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="manager-card",
        id=f"manager-{row['id']}",
        opacity=rx.cond(row["is_active"], "1", "0.75"),
    )


def _password_input(value, on_change, field_id: str, target: str) -> rx.Component:
    return rx.hstack(
        rx.input(
            value=value,
            on_change=on_change,
            size="3",
            flex="1",
            auto_complete="new-password",
            id=field_id,
            placeholder="Не короче 8 символов",
        ),
        rx.button(
            rx.icon("dices", size=16),
            "Придумать",
            variant="soft",
            size="3",
            on_click=ManagersState.generate_password(target),
            id=f"{field_id}-generate",
        ),
        width="100%",
        spacing="2",
    )


def _create_dialog() -> rx.Component:
    state = ManagersState
    return dialog_form(
        "Новый менеджер",
        forms.text_field(state, "name", "Имя", placeholder="Иван Петров", auto_complete="off"),
        forms.text_field(
            state,
            "email",
            "Email для входа",
            type="email",
            input_mode="email",
            auto_complete="off",
        ),
        forms.labelled(
            "Пароль",
            _password_input(
                state.form["password"],
                lambda value: state.set_field("password", value),
                "field-password",
                "form",
            ),
            state.errors["password"],
        ),
        forms.select_field(
            state, "role", "Роль", [("manager", "Менеджер"), ("admin", "Администратор")]
        ),
        description="Пароль передайте лично; сменить его можно в любой момент.",
        error=state.form_error,
        open=state.create_open,
        on_open_change=state.set_create_open,
        submit_label="Создать",
        on_submit=state.create,
        loading=state.busy,
        submit_id="create-manager-submit",
    )


def _password_dialog() -> rx.Component:
    state = ManagersState
    return dialog_form(
        "Новый пароль",
        _password_input(state.new_password, state.set_new_password, "new-password", "reset"),
        description=state.password_name + ": все открытые сессии завершатся, войти можно будет "
        "только с новым паролем.",
        error=state.password_error,
        open=state.password_open,
        on_open_change=state.set_password_open,
        submit_label="Сохранить пароль",
        on_submit=state.save_password,
        loading=state.busy,
        submit_id="save-password",
    )


def _confirm_dialog() -> rx.Component:
    state = ManagersState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Отключить учётную запись?"),
            rx.alert_dialog.description(
                state.confirm_name + " сразу выйдет из системы на всех устройствах и не "
                "сможет войти, пока учётную запись не включат снова.",
                size="2",
            ),
            rx.cond(
                state.confirm_in_work > 0,
                rx.callout(
                    "Клиентов в работе: "
                    + state.confirm_in_work.to_string()
                    + ". Они останутся за ним — передайте их другим менеджерам из карточки "
                    "клиента.",
                    icon="triangle_alert",
                    color_scheme="amber",
                    size="1",
                    margin_top="12px",
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Отмена", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Отключить",
                        color_scheme="red",
                        on_click=state.deactivate,
                        id="confirm-deactivate",
                    )
                ),
                justify="end",
                width="100%",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=state.confirm_open,
        on_open_change=state.set_confirm_open,
    )


def page() -> rx.Component:
    state = ManagersState
    return layout.shell(
        rx.cond(
            state.refused,
            layout.admin_refusal(
                state.error,
                "Управлять менеджерами может только администратор. Если вам нужен доступ, "
                "обратитесь к нему.",
            ),
            rx.vstack(
                layout.spread(
                    rx.vstack(
                        rx.heading("Менеджеры", size="6"),
                        forms.muted(
                            "Учётные записи, роли и доступ",
                            size="2",
                        ),
                        spacing="0",
                    ),
                    end=rx.button(
                        rx.icon("user_plus", size=16),
                        "Добавить",
                        on_click=state.open_create,
                        size="3",
                        id="add-manager",
                    ),
                    align="center",
                ),
                forms.banner(
                    state.message, icon="circle_check", color="green", id="managers-message"
                ),
                forms.banner(state.error, icon="triangle_alert", color="red", id="managers-error"),
                rx.cond(
                    state.loaded,
                    rx.foreach(state.rows, _manager_card),
                    rx.center(rx.spinner(size="3"), width="100%", padding="24px"),
                ),
                spacing="3",
                width="100%",
            ),
        ),
        _create_dialog(),
        _password_dialog(),
        _confirm_dialog(),
        back_href=routes.clients(),
    )
