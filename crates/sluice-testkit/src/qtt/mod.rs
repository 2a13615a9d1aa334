//! Query-validation tests (QTT): the case model and the loader.

mod load;
mod model;
mod parse;
mod run;

pub use load::{
    case_files, case_name, load_qtt, load_qtt_file, parse_qtt, Loaded, CONFIG_PLACEHOLDER, FORMAT_PLACEHOLDER,
};
pub use model::{
    ExpectedException, FormatSpec, PostConditions, PostKeyFormat, PostSource, PostTopic, PostTopics, QttCase,
    RecordHeader, TestRecord, TopicSpec, WindowKind, WindowSpec,
};
pub use run::run_case;
pub(crate) use run::{
    encode_input, number_mode, read_topic, register_statement_schemas, register_topic_schemas,
};

#[cfg(test)]
mod tests;
