//! The warehouse as a shipper is configuration (migration 15), read by `station::Warehouse::load`:
//! the demo ships from its Joliet address with SSCC extension digit 0; another extension digit
//! set on the warehouse starts its SSCCs; a warehouse without a ship-from ZIP is refused with
//! what to set.

mod common;

use aisle::db::shipments;
use aisle::domain::barcode::has_valid_check_digit;
use aisle::labels::Address;
use aisle::station::{StationError, Warehouse};
use common::floor::demo_warehouse;

#[tokio::test]
async fn the_demo_ships_from_joliet_with_extension_digit_0() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let data_dir = tempfile::tempdir().unwrap();
    let wh = demo_warehouse(pool).await;
    let warehouse = Warehouse::load(pool, wh, data_dir.path()).await.unwrap();
    assert_eq!(
        warehouse.ship_from,
        Address {
            name: "Demo DC Joliet".into(),
            lines: vec!["1 Logistics Way".into()],
            city: "Joliet".into(),
            state: "IL".into(),
            postal_code: "60431".into(),
            country: "US".into(),
        }
    );
    assert_eq!(warehouse.sscc.extension_digit(), 0);
    assert_eq!(warehouse.sscc.company_prefix().as_str(), "0614141");
}

#[tokio::test]
async fn the_extension_digit_set_on_the_warehouse_starts_its_ssccs() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let data_dir = tempfile::tempdir().unwrap();
    let wh = demo_warehouse(pool).await;
    sqlx::query("update warehouses set sscc_extension_digit = 3 where id = $1")
        .bind(wh)
        .execute(pool)
        .await
        .unwrap();
    let warehouse = Warehouse::load(pool, wh, data_dir.path()).await.unwrap();
    let serial = shipments::next_sscc_serial(pool, wh).await.unwrap();
    let sscc = warehouse
        .sscc
        .compose(u64::try_from(serial.serial).unwrap())
        .unwrap();
    let digits = sscc.as_str();
    assert!(digits.starts_with("30614141"), "{digits}");
    assert_eq!(digits.len(), 18);
    assert!(has_valid_check_digit(digits), "{digits}");

    // Only one digit fits.
    let refused = sqlx::query("update warehouses set sscc_extension_digit = 10 where id = $1")
        .bind(wh)
        .execute(pool)
        .await;
    assert!(refused.is_err(), "an extension digit of 10 was stored");
}

#[tokio::test]
async fn a_warehouse_without_a_ship_from_zip_is_refused_with_what_to_set() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let data_dir = tempfile::tempdir().unwrap();
    let wh: i32 = sqlx::query_scalar(
        "insert into warehouses (code, name, time_zone, gs1_company_prefix, ship_from_city)
         values ('NOZIP', 'No ZIP yet', 'UTC', '0614141', 'Joliet') returning id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let err = Warehouse::load(pool, wh, data_dir.path())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StationError::NoShipFrom { warehouse } if warehouse == "NOZIP"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("set warehouses.ship_from_zip and ship_from_city"),
        "{err}"
    );
}
