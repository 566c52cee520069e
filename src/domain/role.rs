//! Operator roles and what each may do (DESIGN.md, Roles). Floor actions belong to the role that
//! does the work; administrative changes need a supervisor or admin.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "operator_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Picker,
    Packer,
    Supervisor,
    Admin,
    /// A named actor for work no person does: intake, the planner, sync, the demo loader.
    System,
}

/// Something an operator asks to do; each maps to the roles allowed to do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Receive units into a location (receiving is floor work; supervisors may too).
    Receive,
    /// Move units between locations: replenish, put-back, `aisle move`.
    Move,
    /// Adjust stock up or down with a reason: administrative.
    Adjust,
    /// Manage operators: add, set PINs.
    ManageOperators,
    /// Unlock a badge locked by wrong PINs.
    UnlockBadge,
    /// Look up an item or location.
    Inquire,
    /// Claim pick batches and confirm picks (simulated pickers are a system actor).
    Pick,
    /// Verify and pack orders at a station, label cartons and ship.
    Pack,
}

impl Permission {
    pub fn name(self) -> &'static str {
        match self {
            Permission::Receive => "receive stock",
            Permission::Move => "move stock",
            Permission::Adjust => "adjust stock",
            Permission::ManageOperators => "manage operators",
            Permission::UnlockBadge => "unlock a badge",
            Permission::Inquire => "look up items",
            Permission::Pick => "pick",
            Permission::Pack => "pack and ship",
        }
    }

    /// Which roles may do this, for messages that say what is needed.
    pub fn needs(self) -> &'static str {
        match self {
            Permission::Receive | Permission::Move => "a picker, packer, supervisor or admin",
            Permission::Adjust | Permission::UnlockBadge => "a supervisor or admin",
            Permission::ManageOperators => "an admin",
            Permission::Inquire => "any operator",
            Permission::Pick => "a picker, supervisor or admin",
            Permission::Pack => "a packer, supervisor or admin",
        }
    }
}

impl Role {
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            Inquire => true,
            Pick => matches!(self, Picker | Supervisor | Admin | System),
            Pack => matches!(self, Packer | Supervisor | Admin | System),
            Receive | Move => matches!(self, Picker | Packer | Supervisor | Admin | System),
            Adjust => matches!(self, Supervisor | Admin | System),
            UnlockBadge => matches!(self, Supervisor | Admin),
            ManageOperators => matches!(self, Admin),
        }
    }

    /// Refuses with a message naming the action and who may do it.
    pub fn require(self, permission: Permission) -> crate::Result<()> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(crate::Error::NotAllowed {
                role: self,
                action: permission.name(),
                needs: permission.needs(),
            })
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Picker => "picker",
            Role::Packer => "packer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    pub fn is_administrative(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "picker" => Ok(Role::Picker),
            "packer" => Ok(Role::Packer),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(crate::Error::Invalid(format!(
                "role {other:?}: expected picker, packer, supervisor or admin"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pickers_cannot_adjust_or_manage() {
        assert!(Role::Picker.may(Permission::Receive));
        assert!(!Role::Picker.may(Permission::Adjust));
        assert!(!Role::Picker.may(Permission::UnlockBadge));
        assert!(!Role::Supervisor.may(Permission::ManageOperators));
        assert!(Role::Admin.may(Permission::ManageOperators));
        let err = Role::Picker.require(Permission::Adjust).unwrap_err();
        assert!(err.to_string().contains("supervisor or admin"), "{err}");
    }
}
