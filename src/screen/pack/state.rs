//! The pack station: bind the terminal to a station, open an order by its tote or number, scan
//! every unit (wrong items and over-scans are refused on the terminal; missing units are declared
//! short with F2), then carton by carton: the box (suggested, or another recorded as an
//! override), the weight (out of tolerance stops the station), and the label, printed as soon as
//! the weight passes. Once every carton is labelled, Enter ships.
//!
//! The order as the terminal holds it follows each answer, so the next scan is checked against
//! what the database last said without another round trip.

use std::sync::OnceLock;

use uuid::Uuid;

use crate::Error;
use crate::app::action::Action;
use crate::app::command::{Command, Request, RequestId};
use crate::app::event::Reply;
use crate::app::notice::Notice;
use crate::db::packing::{OpenCarton, PackOrder, PackScan, PackShort, ServiceCodes, Station};
use crate::domain::cartonization::{self, CartonCatalogue, CartonPlan};
use crate::domain::rate_shop::{Candidate, Quote, ShopResult};
use crate::domain::scan::{self, Scan};
use crate::screen::context::Context;
use crate::screen::journal;
use crate::screen::outcome::{Goto, Outcome};
use crate::station::label_carton::{CartonToLabel, WeighedCarton};
use crate::station::{StationError, order_items, suggest_cartons};
use crate::ui::strings;
use crate::ui::strings::pack as words;

use super::checks;

/// The carton catalogue every station packs from (`assets/cartons.csv`, built in).
pub fn catalogue() -> Result<&'static CartonCatalogue, String> {
    static CATALOGUE: OnceLock<Result<CartonCatalogue, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| CartonCatalogue::demo().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Where the packer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Scan the station's barcode.
    Station,
    /// Scan a tote or type an order number.
    Order,
    /// Scan every unit of the order.
    Verify,
    /// F2: which line has units missing.
    ShortLine,
    /// How many units of the line are missing.
    ShortCount { line: usize },
    /// Asking the carriers; without a request in flight, Enter asks again.
    Rating,
    /// Scan the box for the next carton (Enter: the suggested one).
    Carton,
    /// Key or scan the carton's weight; a weight that passes prints its label.
    Weigh,
    /// The carton is recorded but its label did not print: Enter prints it.
    PrinterDown { carton_id: i64, sscc: String },
    /// Every carton labelled: Enter ships.
    Ship,
    /// F3: key the number of another service.
    ChooseService,
    /// F5 or F6: key the number of the carton to reprint or void.
    ChooseCarton(CartonAction),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartonAction {
    Reprint,
    Void,
}

/// A request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Bind(RequestId),
    Open(RequestId),
    Pack {
        request: RequestId,
        raw: String,
        scan_id: Uuid,
    },
    Short {
        request: RequestId,
        line: usize,
    },
    Rate(RequestId),
    Label(RequestId),
    Reprint(RequestId),
    Void {
        request: RequestId,
        carton_id: i64,
    },
    Ship(RequestId),
}

impl Pending {
    fn request(&self) -> RequestId {
        match self {
            Pending::Bind(r)
            | Pending::Open(r)
            | Pending::Pack { request: r, .. }
            | Pending::Short { request: r, .. }
            | Pending::Rate(r)
            | Pending::Label(r)
            | Pending::Reprint(r)
            | Pending::Void { request: r, .. }
            | Pending::Ship(r) => *r,
        }
    }
}

/// The cartons still to label, each with the plan it came from (the plan's gross weight is what
/// the rate shop billed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonsToLabel {
    pub plans: Vec<CartonPlan>,
    pub cartons: Vec<CartonToLabel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PackState {
    pub phase: Phase,
    pub station: Option<Station>,
    pub order: Option<PackOrder>,
    /// Suggested (or overridden) cartons not yet labelled; the first is the one at hand.
    pub to_label: CartonsToLabel,
    /// The services quoted: the shop's choice first, then the alternatives.
    pub services: Vec<Candidate>,
    /// Index into `services` of the one labels are printed with.
    pub service: usize,
    /// The carton on the scale, whose label is being made.
    pub weighed: Option<WeighedCarton>,
    /// The last weight refused, for the screen (measured, expected, in grams).
    pub weight_stop: Option<(i32, i32)>,
    pub pending: Option<Pending>,
    /// The phase to go back to after choosing a service or a carton.
    pub resume: Option<Box<Phase>>,
    /// The scan id of this order's shipment: Enter again after a lost answer is the same
    /// shipment, never a second one.
    pub ship_scan: Option<Uuid>,
    /// A unit scan whose answer was lost (raw scan, scan id): the same scan again reuses the
    /// id, so it is applied once whether or not the first reached the database.
    pub unanswered_scan: Option<(String, Uuid)>,
}

impl PackState {
    /// The screen as it opens: scan the station first.
    pub fn opened() -> PackState {
        PackState::at(None)
    }

    /// The screen as it opens at a station the terminal is already bound to (back from the
    /// menu): the next tote straight away.
    pub fn at(station: Option<Station>) -> PackState {
        PackState {
            phase: match station {
                Some(_) => Phase::Order,
                None => Phase::Station,
            },
            station,
            order: None,
            to_label: CartonsToLabel {
                plans: Vec::new(),
                cartons: Vec::new(),
            },
            services: Vec::new(),
            service: 0,
            weighed: None,
            weight_stop: None,
            pending: None,
            resume: None,
            ship_scan: None,
            unanswered_scan: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Enter alone: accept the suggested box, retry a print or a rate, ship.
    pub fn takes_bare_enter(&self) -> bool {
        self.pending.is_none()
            && matches!(
                self.phase,
                Phase::Carton | Phase::Rating | Phase::PrinterDown { .. } | Phase::Ship
            )
    }

    /// The service labels are printed with.
    pub fn chosen(&self) -> Option<&Quote> {
        self.services.get(self.service).map(|c| &c.quote)
    }

    /// The carton at hand, if the flow is at one.
    pub fn current_carton(&self) -> Option<&CartonToLabel> {
        self.to_label.cartons.first()
    }

    /// Units of the order not yet scanned.
    pub fn units_left(&self) -> i32 {
        self.order
            .as_ref()
            .map_or(0, |o| o.lines.iter().map(|l| l.expected - l.packed).sum())
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        if self.pending.is_some() {
            return Outcome::none();
        }
        match action {
            Action::Back => self.back(),
            Action::Function(2) => self.start_short(),
            Action::Function(3) => self.start_choice(Phase::ChooseService),
            Action::Function(5) => self.start_carton_choice(CartonAction::Reprint, ctx),
            Action::Function(6) => self.start_carton_choice(CartonAction::Void, ctx),
            Action::Submit(line) if self.takes_bare_enter() || !line.trim().is_empty() => {
                self.on_line(line.trim(), ctx)
            }
            _ => Outcome::none(),
        }
    }

    fn back(&mut self) -> Outcome {
        match self.phase {
            Phase::Station => Outcome::goto(Goto::Menu),
            // Back to the station prompt, to bind another; the binding holds until then (and
            // the app keeps it across visits to the menu).
            Phase::Order => {
                self.phase = Phase::Station;
                Outcome::none()
            }
            Phase::ShortLine | Phase::ShortCount { .. } => {
                self.phase = Phase::Verify;
                Outcome::none()
            }
            Phase::ChooseService | Phase::ChooseCarton(_) => {
                self.phase = self.resume.take().map_or(Phase::Ship, |p| *p);
                Outcome::none()
            }
            Phase::Weigh => {
                self.weight_stop = None;
                self.phase = Phase::Carton;
                Outcome::none()
            }
            // Units at the station and labels printed stay recorded: scanning the tote or the
            // order number again picks up where this left off.
            _ => {
                self.close_order();
                Outcome::none()
            }
        }
    }

    fn close_order(&mut self) {
        self.order = None;
        self.to_label = CartonsToLabel {
            plans: Vec::new(),
            cartons: Vec::new(),
        };
        self.services.clear();
        self.service = 0;
        self.weighed = None;
        self.weight_stop = None;
        self.resume = None;
        self.ship_scan = None;
        self.unanswered_scan = None;
        self.phase = Phase::Order;
    }

    fn start_short(&mut self) -> Outcome {
        if matches!(self.phase, Phase::Verify) && self.units_left() > 0 {
            self.phase = Phase::ShortLine;
        }
        Outcome::none()
    }

    fn labelled_cartons(&self) -> usize {
        self.order.as_ref().map_or(0, |o| o.cartons.len())
    }

    fn start_choice(&mut self, choice: Phase) -> Outcome {
        if !matches!(self.phase, Phase::Carton | Phase::Weigh) || self.services.len() < 2 {
            return Outcome::none();
        }
        if self.labelled_cartons() > 0 {
            return Outcome::notice(words::service_locked());
        }
        self.resume = Some(Box::new(self.phase.clone()));
        self.phase = choice;
        Outcome::none()
    }

    fn start_carton_choice(&mut self, action: CartonAction, ctx: &mut Context) -> Outcome {
        if !matches!(
            self.phase,
            Phase::Carton | Phase::Weigh | Phase::Ship | Phase::PrinterDown { .. }
        ) {
            return Outcome::none();
        }
        match self.labelled_cartons() {
            0 => Outcome::none(),
            // One carton: no need to ask which.
            1 => self.on_carton_chosen(action, 0, ctx),
            _ => {
                self.resume = Some(Box::new(self.phase.clone()));
                self.phase = Phase::ChooseCarton(action);
                Outcome::none()
            }
        }
    }

    fn on_line(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        match self.phase.clone() {
            Phase::Station => self.bind(line, ctx),
            Phase::Order => self.open(line, ctx),
            Phase::Verify => self.scan_unit(line, ctx),
            Phase::ShortLine => {
                let Some(order) = &self.order else {
                    return Outcome::none();
                };
                match checks::short_line(order, line, ctx.scan_config) {
                    Ok(index) => {
                        self.phase = Phase::ShortCount { line: index };
                        Outcome::none()
                    }
                    Err(notice) => refuse(ctx, line, notice),
                }
            }
            Phase::ShortCount { line: index } => self.declare_short(index, line, ctx),
            Phase::Rating if line.is_empty() => self.rate(ctx),
            Phase::Carton => self.choose_box(line, ctx),
            Phase::Weigh => self.weigh(line, ctx),
            Phase::PrinterDown { carton_id, .. } if line.is_empty() => {
                self.request_carton(CartonAction::Reprint, carton_id, ctx)
            }
            Phase::Ship if line.is_empty() => self.ship(ctx),
            Phase::ChooseService => match checks::number(line) {
                Some(n) if (1..=self.services.len()).contains(&n) => {
                    self.service = n - 1;
                    self.phase = self.resume.take().map_or(Phase::Carton, |p| *p);
                    let quote = &self.services[self.service].quote;
                    Outcome::notice(words::service_chosen(&quote.carrier, &quote.service))
                }
                _ => refuse(
                    ctx,
                    line,
                    words::service_number_expected(self.services.len()),
                ),
            },
            Phase::ChooseCarton(action) => {
                let count = self.labelled_cartons();
                match checks::number(line) {
                    Some(n) if (1..=count).contains(&n) => {
                        self.phase = self.resume.take().map_or(Phase::Ship, |p| *p);
                        self.on_carton_chosen(action, n - 1, ctx)
                    }
                    _ => refuse(ctx, line, words::carton_number_expected(count)),
                }
            }
            Phase::Rating | Phase::PrinterDown { .. } | Phase::Ship => {
                refuse(ctx, line, words::enter_expected())
            }
        }
    }

    fn bind(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let code = match scan::classify(line, ctx.scan_config) {
            Ok(Scan::Location(code)) => code,
            Ok(_) => return refuse(ctx, line, words::station_expected()),
            Err(error) => return refuse(ctx, line, strings::scan_refused(&error)),
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Bind(request));
        Outcome::command(Request::BindStation { request, code })
    }

    fn open(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let Some(station) = &self.station else {
            return Outcome::none();
        };
        // A tote label reads as a location code; an order number is sent as typed.
        let code = match scan::classify(line, ctx.scan_config) {
            Ok(Scan::Location(code)) => code,
            _ => line.to_owned(),
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Open(request));
        Outcome::command(Request::OpenPackOrder {
            request,
            station_id: station.id,
            code,
        })
    }

    /// The order as the database has it now (after a short or a void).
    fn reload(&mut self, ctx: &mut Context) -> Option<Command> {
        let (station, order) = (self.station.as_ref()?, self.order.as_ref()?);
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Open(request));
        Some(Command::Request(Request::OpenPackOrder {
            request,
            station_id: station.id,
            code: order.external_id.clone(),
        }))
    }

    fn scan_unit(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let (Some(order), Some(station), Some(packer)) = (&self.order, &self.station, ctx.operator)
        else {
            return Outcome::none();
        };
        let scan = match scan::classify(line, ctx.scan_config) {
            Ok(scan) => scan,
            Err(error) => return refuse(ctx, line, strings::scan_refused(&error)),
        };
        // The tote itself, scanned again, is not an item.
        if let Scan::Location(code) = &scan
            && order.totes.iter().any(|t| &t.code == code)
        {
            return Outcome::none();
        }
        let unit = match checks::unit(order, &scan) {
            Ok(unit) => unit,
            Err(notice) => return refuse(ctx, line, notice),
        };
        let scan_id = match self.unanswered_scan.take() {
            Some((raw, scan_id)) if raw == line => scan_id,
            _ => Uuid::now_v7(),
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Pack {
            request,
            raw: line.to_owned(),
            scan_id,
        });
        Outcome::command(Request::PackUnit {
            request,
            packer: packer.clone(),
            station_id: station.id,
            scan: PackScan {
                order_line_id: order.lines[unit.line].order_line_id,
                quantity: unit.units,
                lot: unit.lot,
                scan_id,
                terminal: ctx.terminal_id.to_owned(),
                raw: line.to_owned(),
            },
        })
    }

    fn declare_short(&mut self, index: usize, line: &str, ctx: &mut Context) -> Outcome {
        let (Some(order), Some(station), Some(packer)) = (&self.order, &self.station, ctx.operator)
        else {
            return Outcome::none();
        };
        let Some(order_line) = order.lines.get(index) else {
            return Outcome::none();
        };
        let missing = match checks::missing(order_line, line) {
            Ok(missing) => missing,
            Err(notice) => return refuse(ctx, line, notice),
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Short {
            request,
            line: index,
        });
        Outcome::command(Request::PackShort {
            request,
            packer: packer.clone(),
            station_id: station.id,
            short: PackShort {
                order_line_id: order_line.order_line_id,
                missing,
                // The database takes any lot of the line in the tote; naming one is right only
                // when the line has one.
                lot: match order_line.lots.as_slice() {
                    [only] => Some(only.clone()),
                    _ => None,
                },
                scan_id: Uuid::now_v7(),
                terminal: ctx.terminal_id.to_owned(),
                raw: line.to_owned(),
            },
        })
    }

    /// Where the order stands decides the phase: units to scan, cartons to suggest and rate,
    /// cartons to label, or ready to ship.
    fn settle(&mut self, ctx: &mut Context) -> Outcome {
        let Some(order) = &self.order else {
            self.phase = Phase::Order;
            return Outcome::none();
        };
        if order.lines.is_empty() && order.cartons.is_empty() {
            let notice = words::order_emptied(&order.reference);
            self.close_order();
            return Outcome::notice(notice);
        }
        // A label recorded but never printed comes first: the carton must not leave without it.
        if let Some(carton) = order.cartons.iter().find(|c| c.print_pending) {
            let sscc = carton.sscc.clone();
            self.phase = Phase::PrinterDown {
                carton_id: carton.id,
                sscc: sscc.clone(),
            };
            return Outcome::notice(words::label_not_printed(&sscc));
        }
        if !order.fully_packed() {
            self.phase = Phase::Verify;
            return Outcome::none();
        }
        let unboxed = order.lines.iter().any(|l| l.packed > l.in_cartons);
        if !unboxed {
            self.to_label = CartonsToLabel {
                plans: Vec::new(),
                cartons: Vec::new(),
            };
            self.phase = Phase::Ship;
            return Outcome::none();
        }
        if self.to_label.cartons.is_empty() {
            let plans = match catalogue()
                .map_err(|e| words::no_carton(&e))
                .and_then(|c| suggest_cartons(order, c).map_err(|e| words::no_carton(&e)))
            {
                Ok(plans) => plans,
                // Nothing in the catalogue fits (an item too large or heavy, or without its
                // dimensions on file): the packer boxes it by hand, in a box they scan.
                Err(notice) => {
                    self.phase = Phase::Carton;
                    return Outcome::notice(notice);
                }
            };
            self.to_label = CartonsToLabel {
                cartons: CartonToLabel::from_plans(order, &plans),
                plans,
            };
        }
        if self.services.is_empty() {
            self.phase = Phase::Rating;
            return self.rate(ctx);
        }
        self.phase = Phase::Carton;
        Outcome::none()
    }

    fn rate(&mut self, ctx: &mut Context) -> Outcome {
        let Some(order) = &self.order else {
            return Outcome::none();
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Rate(request));
        Outcome::command(Request::RateShop {
            request,
            order: Box::new(order.clone()),
            plans: self.to_label.plans.clone(),
        })
    }

    fn choose_box(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        if self.to_label.cartons.is_empty() {
            return self.box_by_hand(line, ctx);
        }
        let (Some(order), Some(carton)) = (&self.order, self.to_label.cartons.first()) else {
            return Outcome::none();
        };
        let suggested = carton
            .suggested_code
            .clone()
            .unwrap_or_else(|| carton.carton_code.clone());
        // Enter alone is the suggested box, even after another was scanned.
        let line = if line.is_empty() {
            suggested.as_str()
        } else {
            line
        };
        let catalogue = match catalogue() {
            Ok(catalogue) => catalogue,
            Err(e) => return refuse(ctx, line, words::no_carton(&e)),
        };
        let code = match checks::carton_code(catalogue, line, &suggested) {
            Ok(code) => code.to_owned(),
            Err(notice) => return refuse(ctx, line, notice),
        };
        if code == carton.carton_code {
            self.phase = Phase::Weigh;
            return Outcome::none();
        }
        // Another box: the same units must fit it, by the same bounded fit, and its tare
        // changes what the carton should weigh.
        let Some(plan) = self.to_label.plans.first() else {
            return Outcome::none();
        };
        let mut items = order_items(order);
        for item in &mut items {
            item.quantity = 0;
        }
        for units in &plan.contents {
            if let Some(item) = items.get_mut(units.line) {
                item.quantity += units.quantity;
            }
        }
        let Some(refit) = catalogue
            .get(&code)
            .and_then(|box_| cartonization::pack(&items, box_))
        else {
            return refuse(ctx, line, words::carton_too_small(&code, &suggested));
        };
        if let Some(carton) = self.to_label.cartons.first_mut() {
            carton.carton_code = code.clone();
            carton.expected_weight_g = i32::try_from(refit.gross_weight_g).unwrap_or(i32::MAX);
        }
        self.to_label.plans[0] = refit;
        self.phase = Phase::Weigh;
        // Another box bills another weight: until a label is printed, the carriers are asked
        // again (the packer weighs meanwhile; the weight waits for the answer).
        let mut outcome = match self.labelled_cartons() {
            0 => self.rate(ctx),
            _ => Outcome::none(),
        };
        if code != suggested {
            outcome.notice = Some(words::carton_overridden(&code, &suggested));
        }
        outcome
    }

    /// No suggestion could be made: every unit not yet in a carton goes in the box scanned,
    /// which should weigh the units plus its tare.
    fn box_by_hand(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let Some(order) = &self.order else {
            return Outcome::none();
        };
        let catalogue = match catalogue() {
            Ok(catalogue) => catalogue,
            Err(e) => return refuse(ctx, line, words::no_carton(&e)),
        };
        let codes: Vec<String> = catalogue.cartons().iter().map(|c| c.code.clone()).collect();
        let Some(box_) = checks::carton_code(catalogue, line, "")
            .ok()
            .and_then(|code| catalogue.get(code))
        else {
            return refuse(ctx, line, words::box_by_hand_expected(&codes));
        };
        let items = order_items(order);
        let items_weight_g: u32 = items.iter().map(|i| i.unit_weight_g * i.quantity).sum();
        let plan = CartonPlan {
            carton: box_.clone(),
            contents: items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.quantity > 0)
                .map(|(line, i)| cartonization::PackedUnits {
                    line,
                    sku: i.sku.clone(),
                    quantity: i.quantity,
                })
                .collect(),
            placements: Vec::new(),
            items_weight_g,
            gross_weight_g: u32::try_from(cartonization::expected_gross_weight_g(&items, box_))
                .unwrap_or(u32::MAX),
        };
        let mut cartons = CartonToLabel::from_plans(order, std::slice::from_ref(&plan));
        for carton in &mut cartons {
            carton.suggested_code = None;
        }
        self.to_label = CartonsToLabel {
            plans: vec![plan],
            cartons,
        };
        self.phase = Phase::Weigh;
        // The box bills its weight: the carriers are asked (the weight waits for the answer).
        match self.services.is_empty() || self.labelled_cartons() == 0 {
            true => self.rate(ctx),
            false => Outcome::none(),
        }
    }

    fn weigh(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let (Some(station), Some(carton)) = (&self.station, self.to_label.cartons.first()) else {
            return Outcome::none();
        };
        let measured = match checks::weight(station, line, ctx.scan_config) {
            Ok(grams) => grams,
            Err(notice) => return refuse(ctx, line, notice),
        };
        let expected = carton.expected_weight_g;
        if !station.weight_within(measured, expected) {
            self.weight_stop = Some((measured, expected));
            let tolerance = station.tolerance_g(expected).round() as i32;
            return refuse(
                ctx,
                line,
                words::weight_out(
                    &checks::shown_weight(station, measured),
                    &checks::shown_weight(station, expected),
                    &checks::shown_weight(station, tolerance),
                ),
            );
        }
        self.weight_stop = None;
        // A retry of the same carton keeps its scan id: if the first try was recorded before
        // its answer was lost, the retry prints that label instead of making a second carton.
        let scan_id = self
            .weighed
            .as_ref()
            .filter(|w| w.carton.number == carton.number && w.carton.lines == carton.lines)
            .map_or_else(Uuid::now_v7, |w| w.scan_id);
        self.weighed = Some(WeighedCarton {
            carton: carton.clone(),
            measured_weight_g: measured,
            scan_id,
            terminal: ctx.terminal_id.to_owned(),
        });
        self.label(ctx)
    }

    /// Labels the weighed carton; the same scan id on a retry prints what was recorded.
    fn label(&mut self, ctx: &mut Context) -> Outcome {
        let (Some(station), Some(order), Some(weighed), Some(chosen), Some(packer)) = (
            &self.station,
            &self.order,
            &self.weighed,
            self.chosen(),
            ctx.operator,
        ) else {
            return Outcome::none();
        };
        let request = ctx.requests.next_id();
        let command = Request::LabelCarton {
            request,
            packer: packer.clone(),
            station: Box::new(station.clone()),
            order: Box::new(order.clone()),
            weighed: Box::new(weighed.clone()),
            chosen: Box::new(chosen.clone()),
        };
        self.pending = Some(Pending::Label(request));
        Outcome::command(command)
    }

    fn on_carton_chosen(
        &mut self,
        action: CartonAction,
        index: usize,
        ctx: &mut Context,
    ) -> Outcome {
        let Some(carton_id) = self
            .order
            .as_ref()
            .and_then(|o| o.cartons.get(index))
            .map(|c| c.id)
        else {
            return Outcome::none();
        };
        self.request_carton(action, carton_id, ctx)
    }

    fn request_carton(
        &mut self,
        action: CartonAction,
        carton_id: i64,
        ctx: &mut Context,
    ) -> Outcome {
        let (Some(station), Some(packer)) = (&self.station, ctx.operator) else {
            return Outcome::none();
        };
        let request = ctx.requests.next_id();
        let (pending, command) = match action {
            CartonAction::Reprint => (
                Pending::Reprint(request),
                Request::ReprintLabel {
                    request,
                    packer: packer.clone(),
                    station: Box::new(station.clone()),
                    carton_id,
                },
            ),
            CartonAction::Void => (
                Pending::Void { request, carton_id },
                Request::VoidCarton {
                    request,
                    packer: packer.clone(),
                    carton_id,
                },
            ),
        };
        self.pending = Some(pending);
        Outcome::command(command)
    }

    fn ship(&mut self, ctx: &mut Context) -> Outcome {
        let (Some(station), Some(order), Some(packer)) = (&self.station, &self.order, ctx.operator)
        else {
            return Outcome::none();
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Ship(request));
        Outcome::command(Request::ShipPacked {
            request,
            packer: packer.clone(),
            station_id: station.id,
            order_id: order.order_id,
            chosen: self.chosen().cloned().map(Box::new),
            scan_id: *self.ship_scan.get_or_insert_with(Uuid::now_v7),
            terminal: ctx.terminal_id.to_owned(),
        })
    }

    pub fn on_reply(&mut self, reply: Reply, ctx: &mut Context) -> Outcome {
        let Some(pending) = self.pending.take_if(|p| p.request() == reply.request()) else {
            return Outcome::none();
        };
        match (pending, reply) {
            (Pending::Bind(_), Reply::StationBound { result, .. }) => match result {
                Ok(station) => {
                    let printer = match station.printer() {
                        Some((host, port)) => format!("{host}:{port}"),
                        None => "files".to_owned(),
                    };
                    let notice = words::station_bound(&station.code, &printer);
                    self.station = Some(station);
                    self.phase = Phase::Order;
                    Outcome::notice(notice)
                }
                Err(error) => Outcome::refusal(refused(&error, "binding the station", |e| {
                    words::station_refused(e)
                })),
            },
            (Pending::Open(_), Reply::PackOrderOpened { result, .. }) => match result {
                Ok(order) => {
                    let same = self
                        .order
                        .as_ref()
                        .is_some_and(|o| o.order_id == order.order_id);
                    if !same {
                        self.close_order();
                    }
                    // What the suggestion was made for may have changed: suggest again.
                    self.to_label = CartonsToLabel {
                        plans: Vec::new(),
                        cartons: Vec::new(),
                    };
                    self.order = Some(*order);
                    self.settle(ctx)
                }
                Err(error) => {
                    if self.order.is_none() {
                        self.phase = Phase::Order;
                    }
                    Outcome::refusal(refused(&error, "opening the order", words::order_refused))
                }
            },
            (Pending::Pack { raw, scan_id, .. }, Reply::UnitPacked { result, .. }) => {
                match result {
                    Ok(progress) => {
                        let Some(order) = &mut self.order else {
                            return Outcome::none();
                        };
                        let Some(line) = order
                            .lines
                            .iter_mut()
                            .find(|l| l.order_line_id == progress.order_line_id)
                        else {
                            return Outcome::none();
                        };
                        line.packed = progress.packed;
                        line.expected = progress.expected;
                        let notice = words::unit_packed(&line.sku_code, line.packed, line.expected);
                        let mut outcome = self.settle(ctx);
                        outcome.notice.get_or_insert(notice);
                        outcome
                    }
                    Err(error) => {
                        if error.is_connection_lost() || error.is_transient() {
                            self.unanswered_scan = Some((raw, scan_id));
                        }
                        Outcome::refusal(refused(&error, "packing", words::pack_refused))
                    }
                }
            }
            (Pending::Short { line, .. }, Reply::PackShorted { result, .. }) => match result {
                Ok(outcome) => {
                    let sku = self
                        .order
                        .as_ref()
                        .and_then(|o| o.lines.get(line))
                        .map(|l| l.sku_code.clone())
                        .unwrap_or_default();
                    // Recorded: never asked again, whatever the reload brings.
                    self.phase = Phase::Verify;
                    // The order went back to the queue whole (its channel ships only complete
                    // orders): what is packed waits here for the rest to be picked.
                    if !matches!(outcome.order_status.as_str(), "picked" | "packed") {
                        let reference = self
                            .order
                            .as_ref()
                            .map(|o| o.reference.clone())
                            .unwrap_or_default();
                        let station = self
                            .station
                            .as_ref()
                            .map(|s| s.code.clone())
                            .unwrap_or_default();
                        self.close_order();
                        return Outcome::notice(words::waits_for_rest(&reference, &sku, &station));
                    }
                    Outcome {
                        commands: self.reload(ctx).into_iter().collect(),
                        notice: Some(words::shorted(
                            &sku,
                            outcome.reserved_qty,
                            outcome.backordered_qty,
                        )),
                        ..Outcome::none()
                    }
                }
                Err(error) => {
                    self.phase = Phase::Verify;
                    Outcome::refusal(refused(&error, "a short", words::short_refused))
                }
            },
            (Pending::Rate(_), Reply::Rated { result, .. }) => match result {
                Ok(shop) => {
                    // A service the packer chose stays chosen when it is quoted again.
                    // Labels already printed fix the service; else the packer's choice stays.
                    let labelled = self
                        .order
                        .as_ref()
                        .and_then(|o| o.cartons.iter().find_map(|c| c.service.clone()))
                        .map(|s| (s.carrier, s.service));
                    let kept = labelled.or_else(|| {
                        self.chosen()
                            .filter(|_| self.service > 0)
                            .map(|q| (q.carrier.clone(), q.service.clone()))
                    });
                    self.services = services(*shop);
                    self.service = kept
                        .and_then(|(carrier, service)| {
                            self.services.iter().position(|c| {
                                c.quote.carrier == carrier && c.quote.service == service
                            })
                        })
                        .unwrap_or(0);
                    if self.phase == Phase::Rating {
                        self.phase = Phase::Carton;
                    }
                    Outcome::none()
                }
                // A re-rate after another box keeps the first quotes: still good to ship with.
                Err(_) if !self.services.is_empty() => Outcome::none(),
                Err(error) => {
                    self.phase = Phase::Rating;
                    Outcome::refusal(station_refused(&error, "rating", words::rate_refused))
                }
            },
            (Pending::Label(_), Reply::Labelled { result, .. }) => match result {
                Ok(done) => {
                    let (number, count) = self
                        .weighed
                        .as_ref()
                        .map_or((0, 0), |w| (w.carton.number, w.carton.count));
                    self.carton_recorded(done.carton_id, &done.sscc, done.tracking_number, false);
                    let notice = words::labelled(number, count, &done.sscc);
                    let mut outcome = self.settle(ctx);
                    outcome.notice.get_or_insert(notice);
                    outcome
                }
                Err(StationError::PrinterDown {
                    carton_id, sscc, ..
                }) => {
                    self.carton_recorded(carton_id, &sscc, None, true);
                    self.phase = Phase::PrinterDown {
                        carton_id,
                        sscc: sscc.clone(),
                    };
                    Outcome::refusal(words::printer_down(&sscc))
                }
                Err(error) => {
                    // Nothing recorded: the packer weighs again (or Esc to another box).
                    self.phase = Phase::Weigh;
                    Outcome::refusal(station_refused(&error, "labelling", words::label_refused))
                }
            },
            (
                Pending::Reprint(_),
                Reply::Reprinted {
                    result, carton_id, ..
                },
            ) => match result {
                Ok(()) => {
                    let mut sscc = String::new();
                    if let Some(carton) = self
                        .order
                        .as_mut()
                        .and_then(|o| o.cartons.iter_mut().find(|c| c.id == carton_id))
                    {
                        carton.print_pending = false;
                        sscc = carton.sscc.clone();
                    }
                    let mut outcome = match self.phase {
                        Phase::PrinterDown { .. } => self.settle(ctx),
                        _ => Outcome::none(),
                    };
                    outcome.notice = Some(words::reprinted(&sscc));
                    outcome
                }
                Err(StationError::PrinterDown {
                    carton_id, sscc, ..
                }) => {
                    self.phase = Phase::PrinterDown {
                        carton_id,
                        sscc: sscc.clone(),
                    };
                    Outcome::refusal(words::printer_down(&sscc))
                }
                Err(error) => {
                    Outcome::refusal(station_refused(&error, "reprinting", words::label_refused))
                }
            },
            (Pending::Void { carton_id, .. }, Reply::Voided { result, .. }) => match result {
                Ok(sscc) => {
                    // Gone from the order at once: neither shipped nor voided twice, even if
                    // the reload fails.
                    if let Some(order) = &mut self.order {
                        order.cartons.retain(|c| c.id != carton_id);
                    }
                    self.phase = Phase::Verify;
                    // The voided carton's units go back to "packed, in no carton": suggest
                    // again from what the database says.
                    Outcome {
                        commands: self.reload(ctx).into_iter().collect(),
                        notice: Some(words::voided(&sscc)),
                        ..Outcome::none()
                    }
                }
                Err(error) => Outcome::refusal(refused(&error, "voiding", words::void_refused)),
            },
            (Pending::Ship(_), Reply::ShippedOrder { result, .. }) => match result {
                Ok(shipped) => {
                    let reference = self
                        .order
                        .as_ref()
                        .map(|o| o.reference.clone())
                        .unwrap_or_default();
                    self.close_order();
                    Outcome::notice(words::shipped(
                        &reference,
                        shipped.cartons,
                        &shipped.order_status,
                    ))
                }
                Err(error) => Outcome::refusal(refused(&error, "shipping", words::ship_refused)),
            },
            _ => Outcome::none(),
        }
    }

    /// A labelled carton joins the order's cartons and leaves those to label.
    fn carton_recorded(
        &mut self,
        carton_id: i64,
        sscc: &str,
        tracking: Option<String>,
        print_pending: bool,
    ) {
        let Some(weighed) = self.weighed.take() else {
            return;
        };
        let service = self.chosen().map(|q| ServiceCodes {
            carrier: q.carrier.clone(),
            service: q.service.clone(),
        });
        if let Some(order) = &mut self.order {
            if !order.cartons.iter().any(|c| c.id == carton_id) {
                order.cartons.push(OpenCarton {
                    id: carton_id,
                    sscc: sscc.to_owned(),
                    carton_code: weighed.carton.carton_code.clone(),
                    weight_g: weighed.measured_weight_g,
                    tracking_number: tracking,
                    service,
                    print_pending,
                    number: Some(weighed.carton.number),
                });
            }
            for (line_id, units) in &weighed.carton.lines {
                if let Some(line) = order.lines.iter_mut().find(|l| l.order_line_id == *line_id) {
                    line.in_cartons += units;
                }
            }
        }
        if !self.to_label.cartons.is_empty() {
            self.to_label.cartons.remove(0);
            self.to_label.plans.remove(0);
        }
    }
}

/// The shop's choice first, then every alternative, as the packer numbers them.
fn services(shop: ShopResult) -> Vec<Candidate> {
    shop.chosen.into_iter().chain(shop.alternatives).collect()
}

/// A database refusal, or the database away, as the packer is told.
fn refused(error: &Error, doing: &str, notice: impl Fn(&Error) -> Notice) -> Notice {
    if error.is_connection_lost() || error.is_transient() {
        words::needs_database(doing)
    } else {
        notice(error)
    }
}

/// A station error as the packer is told: the database away says so plainly.
fn station_refused(
    error: &StationError,
    doing: &str,
    notice: impl Fn(&StationError) -> Notice,
) -> Notice {
    match error {
        StationError::Db(db) if db.is_connection_lost() || db.is_transient() => {
            words::needs_database(doing)
        }
        other => notice(other),
    }
}

/// A scan refused on the terminal: beep, say what was expected, journal it, change nothing.
fn refuse(ctx: &Context, line: &str, notice: Notice) -> Outcome {
    let record = journal::rejected(ctx, journal::PACK, line, &notice);
    let mut outcome = Outcome::notice(notice);
    outcome.commands.push(record);
    outcome
}
