//! Types: `INT`, `DECIMAL(10, 2)`, `ARRAY<MAP<STRING, INT>>`, custom names.

use datafusion::sql::sqlparser::tokenizer::Token;

use super::{Parser, Result};
use crate::ast::{DataType, StructField};

impl Parser {
    pub(super) fn parse_data_type(&mut self) -> Result<DataType> {
        self.enter()?;
        let ty = self.parse_data_type_inner();
        self.leave();
        ty
    }

    fn parse_data_type_inner(&mut self) -> Result<DataType> {
        let Some(word) = self.word_at(0).map(|w| w.value.to_ascii_uppercase()) else {
            // A quoted name can only be a custom type.
            return match &self.peek().token {
                Token::Word(_) => Ok(DataType::Custom(self.parse_identifier()?)),
                _ => Err(self.expected("a type")),
            };
        };
        let simple = match word.as_str() {
            "BOOLEAN" => Some(DataType::Boolean),
            "INT" | "INTEGER" => Some(DataType::Int),
            "BIGINT" => Some(DataType::Bigint),
            "DOUBLE" => Some(DataType::Double),
            "STRING" | "VARCHAR" => Some(DataType::String),
            "BYTES" => Some(DataType::Bytes),
            "DATE" => Some(DataType::Date),
            "TIME" => Some(DataType::Time),
            "TIMESTAMP" => Some(DataType::Timestamp),
            _ => None,
        };
        if let Some(ty) = simple {
            self.advance();
            return Ok(ty);
        }
        match word.as_str() {
            "DECIMAL" => {
                self.advance();
                self.expect_token(&Token::LParen)?;
                let precision = self.parse_type_number("precision")?;
                self.expect_token(&Token::Comma)?;
                let scale = self.parse_type_number("scale")?;
                self.expect_token(&Token::RParen)?;
                Ok(DataType::Decimal { precision, scale })
            }
            "ARRAY" if self.peek_nth(1).token == Token::Lt => {
                self.advance();
                self.advance();
                let element = self.parse_data_type()?;
                self.expect_token(&Token::Gt)?;
                Ok(DataType::Array(Box::new(element)))
            }
            "MAP" if self.peek_nth(1).token == Token::Lt => {
                self.advance();
                self.advance();
                let key = self.parse_data_type()?;
                self.expect_token(&Token::Comma)?;
                let value = self.parse_data_type()?;
                self.expect_token(&Token::Gt)?;
                Ok(DataType::Map { key: Box::new(key), value: Box::new(value) })
            }
            "STRUCT" if self.peek_nth(1).token == Token::Neq => {
                // `STRUCT<>` reaches us as one `<>` token.
                self.advance();
                self.advance();
                Ok(DataType::Struct(Vec::new()))
            }
            "STRUCT" if self.peek_nth(1).token == Token::Lt => {
                self.advance();
                self.advance();
                let mut fields = Vec::new();
                loop {
                    let name = self.parse_any_name()?;
                    let data_type = self.parse_data_type()?;
                    fields.push(StructField { name, data_type });
                    if !self.consume_token(&Token::Comma) {
                        break;
                    }
                }
                self.expect_token(&Token::Gt)?;
                Ok(DataType::Struct(fields))
            }
            _ => Ok(DataType::Custom(self.parse_identifier()?)),
        }
    }

    fn parse_type_number(&mut self, what: &str) -> Result<u32> {
        let n = self.parse_unsigned()?;
        u32::try_from(n).map_err(|_| self.error_here(format!("{what} {n} is too large")))
    }
}
