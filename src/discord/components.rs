//! Buttons and forms: the reply model's interactive parts, cut to Discord's limits.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateInputText, CreateModal, InputTextStyle,
};

use super::limits;
use crate::commands::{Button, Modal};

pub(super) fn buttons(buttons: &[Button]) -> CreateActionRow {
    CreateActionRow::Buttons(
        buttons
            .iter()
            .take(limits::BUTTONS_PER_ROW)
            .map(|b| {
                CreateButton::new(b.id.to_string())
                    .label(limits::truncate(&b.label, limits::BUTTON_LABEL))
                    .style(ButtonStyle::Secondary)
            })
            .collect(),
    )
}

pub(super) fn modal(form: &Modal) -> CreateModal {
    let rows = form
        .inputs
        .iter()
        .take(limits::MODAL_INPUTS)
        .map(|input| {
            let style = if input.paragraph {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let mut text = CreateInputText::new(
                style,
                limits::truncate(&input.label, limits::TEXT_INPUT_LABEL),
                limits::truncate(&input.custom_id, limits::CUSTOM_ID),
            )
            .required(input.required)
            .max_length(input.max_length.min(limits::TEXT_INPUT_MAX));
            if let Some(placeholder) = &input.placeholder {
                text = text.placeholder(limits::truncate(placeholder, limits::TEXT_INPUT_PLACEHOLDER));
            }
            CreateActionRow::InputText(text)
        })
        .collect();
    CreateModal::new(
        form.id.to_string(),
        limits::truncate(&form.title, limits::MODAL_TITLE),
    )
    .components(rows)
}
