//! Small typed helpers to write and read the Parquet files of this module: a table
//! written row by row in record batches, and columns read back by name.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};

/// Rows per record batch.
const BATCH_ROWS: usize = 32_768;

/// The type of a column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Str,
    I64,
    F64,
    Bool,
}

/// One cell of a row.
#[derive(Debug, Clone)]
pub(crate) enum Cell<'a> {
    Str(Option<&'a str>),
    I64(Option<i64>),
    F64(Option<f64>),
    Bool(Option<bool>),
}

enum Builder {
    Str(StringBuilder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
}

pub(crate) fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

/// A Parquet file written row by row under a temporary name, renamed into place by
/// [`TableWriter::finish`].
pub(crate) struct TableWriter {
    path: PathBuf,
    tmp: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<BufWriter<File>>,
    builders: Vec<Builder>,
    pending: usize,
    rows: u64,
}

impl TableWriter {
    /// A new file at `path` with these columns (name, type, nullable).
    pub(crate) fn create(path: &Path, columns: &[(&str, Ty, bool)]) -> Result<TableWriter> {
        let schema: SchemaRef = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(name, ty, nullable)| {
                    let dt = match ty {
                        Ty::Str => DataType::Utf8,
                        Ty::I64 => DataType::Int64,
                        Ty::F64 => DataType::Float64,
                        Ty::Bool => DataType::Boolean,
                    };
                    Field::new(*name, dt, *nullable)
                })
                .collect::<Vec<_>>(),
        ));
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(name);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("newsdb {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            schema.clone(),
            Some(props),
        )
        .map_err(|e| parquet_err(path, e))?;
        let builders = columns
            .iter()
            .map(|(_, ty, _)| match ty {
                Ty::Str => Builder::Str(StringBuilder::new()),
                Ty::I64 => Builder::I64(Int64Builder::new()),
                Ty::F64 => Builder::F64(Float64Builder::new()),
                Ty::Bool => Builder::Bool(BooleanBuilder::new()),
            })
            .collect();
        Ok(TableWriter {
            path: path.to_path_buf(),
            tmp,
            schema,
            writer,
            builders,
            pending: 0,
            rows: 0,
        })
    }

    /// Appends one row, its cells in column order and of the columns' types.
    pub(crate) fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        debug_assert_eq!(cells.len(), self.builders.len());
        for (b, c) in self.builders.iter_mut().zip(cells) {
            match (b, c) {
                (Builder::Str(b), Cell::Str(v)) => b.append_option(*v),
                (Builder::I64(b), Cell::I64(v)) => b.append_option(*v),
                (Builder::F64(b), Cell::F64(v)) => b.append_option(*v),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_option(*v),
                _ => unreachable!("cells are built in the order of the columns they fill"),
            }
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let arrays: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Str(b) => Arc::new(b.finish()),
                    Builder::I64(b) => Arc::new(b.finish()),
                    Builder::F64(b) => Arc::new(b.finish()),
                    Builder::Bool(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| parquet_err(&self.path, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_err(&self.path, e))?;
        self.pending = 0;
        Ok(())
    }

    /// Writes what is left, closes the file and renames it into place; returns the
    /// number of rows.
    pub(crate) fn finish(mut self) -> Result<u64> {
        if self.pending > 0 || self.rows == 0 {
            self.flush()?;
        }
        self.writer
            .close()
            .map_err(|e| parquet_err(&self.path, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.rows)
    }
}

/// The record batches of `path` with only `columns`, which must all be there.
pub(crate) fn read(path: &Path, columns: &[&str]) -> Result<ParquetRecordBatchReader> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_err(path, e))?;
    let have: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    if let Some(missing) = columns.iter().find(|c| !have.iter().any(|h| h == *c)) {
        return Err(Error::InvalidArgument(format!(
            "{} has no column {missing} (expected the output of `newsdb extract --format parquet`)",
            path.display()
        )));
    }
    let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
    builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| parquet_err(path, e))
}

/// Typed access to the columns of one record batch by name.
pub(crate) struct Columns<'b> {
    batch: &'b RecordBatch,
    path: &'b Path,
}

impl<'b> Columns<'b> {
    pub(crate) fn new(batch: &'b RecordBatch, path: &'b Path) -> Self {
        Columns { batch, path }
    }

    fn column(&self, name: &str) -> Result<&'b ArrayRef> {
        self.batch.column_by_name(name).ok_or_else(|| {
            Error::InvalidArgument(format!("{} has no column {name}", self.path.display()))
        })
    }

    fn wrong(&self, name: &str, expected: &str) -> Error {
        Error::InvalidArgument(format!(
            "{}: column {name} is not {expected}",
            self.path.display()
        ))
    }

    /// A text column: the value of row `i`, `None` when null.
    pub(crate) fn str(&self, name: &str) -> Result<impl Fn(usize) -> Option<&'b str> + 'b> {
        let c = self.column(name)?;
        let a = c
            .as_string_opt::<i32>()
            .ok_or_else(|| self.wrong(name, "text"))?;
        Ok(move |i| (!a.is_null(i)).then(|| a.value(i)))
    }

    /// An integer column.
    pub(crate) fn i64(&self, name: &str) -> Result<impl Fn(usize) -> Option<i64> + 'b> {
        let c = self.column(name)?;
        let a = c
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| self.wrong(name, "INT64"))?;
        Ok(move |i| (!a.is_null(i)).then(|| a.value(i)))
    }

    /// A boolean column.
    pub(crate) fn bool(&self, name: &str) -> Result<impl Fn(usize) -> Option<bool> + 'b> {
        let c = self.column(name)?;
        let a = c
            .as_boolean_opt()
            .ok_or_else(|| self.wrong(name, "BOOLEAN"))?;
        Ok(move |i| (!a.is_null(i)).then(|| a.value(i)))
    }

    /// A float column.
    pub(crate) fn f64(&self, name: &str) -> Result<impl Fn(usize) -> Option<f64> + 'b> {
        let c = self.column(name)?;
        let a = c
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| self.wrong(name, "DOUBLE"))?;
        Ok(move |i| (!a.is_null(i)).then(|| a.value(i)))
    }
}
