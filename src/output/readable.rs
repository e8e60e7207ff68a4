//! What makes a table readable by every dataframe tool: the types each column is
//! written with.
//!
//! - **Signed integers.** Every integer column is written signed: 8- and 16-bit values
//!   and unsigned 32-bit ones widen losslessly (`Int32`, `Int64`); unsigned 64-bit values
//!   must fit `Int64` (an error names the column otherwise). A difference of two counts
//!   can then go below zero in every tool, where an unsigned column wraps (`0 - 1` gives
//!   65535 in pandas for a `UInt16`).
//! - **Plain strings.** polars writes its strings as Arrow `string_view`, and records
//!   that in the file's Arrow schema (`ARROW:schema` metadata), which pyarrow then reads
//!   back as `string_view`: a type older readers lack, and that pyarrow itself cannot
//!   merge with the `string`/`dictionary` type it gives a hive partition column. The
//!   Parquet data of a string column is the same either way (UTF-8 byte arrays), so the
//!   file is given an Arrow schema that says plain `string` (`utf8`) instead.
//!
//! In-memory records keep their compact types; only the files change.

use polars::prelude::*;

/// The signed type a column of `dtype` is written with (`None`: written as it is).
pub(super) fn signed(dtype: &DataType) -> Option<DataType> {
    match dtype {
        DataType::UInt8 | DataType::UInt16 | DataType::Int8 | DataType::Int16 => Some(DataType::Int32),
        DataType::UInt32 | DataType::UInt64 => Some(DataType::Int64),
        _ => None,
    }
}

/// `df` with every integer column signed (see the module doc). Fails when an unsigned
/// 64-bit value does not fit `Int64`.
pub(super) fn with_signed_integers(mut df: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<(PlSmallStr, DataType)> =
        df.columns().iter().filter_map(|c| signed(c.dtype()).map(|to| (c.name().clone(), to))).collect();
    for (name, to) in names {
        let cast = df.column(&name)?.strict_cast(&to)?;
        df.replace(&name, cast)?;
    }
    Ok(df)
}

/// The `ARROW:schema` metadata value for `df`: its Arrow schema (base64 of the IPC
/// encoding, as Arrow writers store it) with plain `utf8` strings and `binary` bytes
/// instead of their view and large types.
pub(super) fn arrow_schema_metadata(df: &DataFrame) -> Option<String> {
    let schema: ArrowSchema = df
        .schema()
        .iter_fields()
        .map(|f| {
            let mut field = f.to_arrow(CompatLevel::oldest());
            field.dtype = plain(field.dtype);
            (field.name.clone(), field)
        })
        .collect();
    polars_parquet::write::schema_to_metadata_key(&schema).value
}

fn plain(dtype: ArrowDataType) -> ArrowDataType {
    match dtype {
        ArrowDataType::LargeUtf8 | ArrowDataType::Utf8View => ArrowDataType::Utf8,
        ArrowDataType::LargeBinary | ArrowDataType::BinaryView => ArrowDataType::Binary,
        other => other,
    }
}
