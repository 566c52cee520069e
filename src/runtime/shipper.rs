//! The warehouse as a shipper, for the pack station's requests: its settings (address, SSCC
//! numbering, carriers) are read once, when a station first rates, labels or ships, and shared
//! by every request after.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::Error;
use crate::db::operators::Operator;
use crate::db::packing::{self, PackOrder, Station};
use crate::db::shipments::{self, ShipOrder, Shipped};
use crate::domain::cartonization::CartonPlan;
use crate::domain::rate_shop::{Quote, ShopResult};
use crate::station::label_carton::{
    LabelledCarton, WeighedCarton, label_carton, label_sink, reprint_carton,
};
use crate::station::rate_choice::{carrier_service_id, choose_service};
use crate::station::{StationError, Warehouse};

#[derive(Debug, Clone)]
pub struct Shipper {
    warehouse_id: i32,
    /// Labels of stations without a printer or a label directory go to `<data_dir>/labels`.
    data_dir: PathBuf,
    warehouse: Arc<OnceCell<Warehouse>>,
}

impl Shipper {
    pub fn new(warehouse_id: i32, data_dir: PathBuf) -> Shipper {
        Shipper {
            warehouse_id,
            data_dir,
            warehouse: Arc::new(OnceCell::new()),
        }
    }

    /// The shipper's settings, read on first use; a failed read is tried again next time.
    async fn warehouse(&self, pool: &PgPool) -> Result<&Warehouse, StationError> {
        self.warehouse
            .get_or_try_init(|| Warehouse::load(pool, self.warehouse_id, &self.data_dir))
            .await
    }

    /// The cheapest service for the order's cartons that keeps its promise, and the rest.
    pub async fn rate(
        &self,
        pool: &PgPool,
        order: &PackOrder,
        plans: &[CartonPlan],
    ) -> Result<ShopResult, StationError> {
        let warehouse = self.warehouse(pool).await?;
        choose_service(pool, warehouse, order, plans, Utc::now()).await
    }

    /// Labels a weighed carton and prints it on the station's printer (or into its folder).
    pub async fn label(
        &self,
        pool: &PgPool,
        station: &Station,
        order: &PackOrder,
        weighed: &WeighedCarton,
        chosen: &Quote,
        packer: &Operator,
    ) -> Result<LabelledCarton, StationError> {
        let warehouse = self.warehouse(pool).await?;
        let station = current(pool, warehouse.id, station).await?;
        label_carton(pool, warehouse, &station, order, weighed, chosen, packer).await
    }

    /// Prints a recorded carton's label again, at the station's printer.
    pub async fn reprint(
        &self,
        pool: &PgPool,
        station: &Station,
        carton_id: i64,
        packer: &Operator,
    ) -> Result<(), StationError> {
        let warehouse = self.warehouse(pool).await?;
        let station = current(pool, warehouse.id, station).await?;
        let sink = label_sink(&station, warehouse);
        reprint_carton(pool, warehouse.id, &sink, carton_id, packer)
            .await
            .map(|_| ())
    }

    /// Ships the order's labelled cartons with the service chosen at the station.
    #[allow(clippy::too_many_arguments)]
    pub async fn ship(
        &self,
        pool: &PgPool,
        station_id: i32,
        order_id: i64,
        chosen: Option<&Quote>,
        scan_id: Uuid,
        terminal: String,
        packer: &Operator,
    ) -> Result<Shipped, Error> {
        let carrier_service_id = match chosen {
            Some(quote) => carrier_service_id(pool, quote).await.map_err(|e| match e {
                StationError::Db(e) => e,
                other => Error::Invalid(other.to_string()),
            })?,
            None => None,
        };
        shipments::ship(
            pool,
            self.warehouse_id,
            station_id,
            packer,
            &ShipOrder {
                order_id,
                carrier_service_id,
                scan_id,
                terminal,
                raw: "Enter".to_owned(),
            },
        )
        .await
    }
}

/// The station's settings as they are now: a printer moved or a tolerance changed since the
/// terminal was bound applies to the next label.
async fn current(
    pool: &PgPool,
    warehouse_id: i32,
    bound: &Station,
) -> Result<Station, StationError> {
    Ok(packing::station(pool, warehouse_id, &bound.code).await?)
}
