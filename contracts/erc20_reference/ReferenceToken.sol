// SPDX-License-Identifier: MIT
// The reference for the engine's built-in ERC20 (layers/cms/python/cms/domain/engine/erc20.py):
// OpenZeppelin Contracts 5.7.0 (pinned in package.json) ERC20 + ERC20Burnable + Ownable, with
// the same choices as the Python token. tests/integration/test_engine_erc20_vs_openzeppelin.py
// runs random operations on both and compares them step by step.
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract ReferenceToken is ERC20, ERC20Burnable, Ownable {
    /// The error OpenZeppelin 5.0's pre-release defined for decreaseAllowance below zero.
    error ERC20FailedDecreaseAllowance(address spender, uint256 currentAllowance, uint256 requestedDecrease);

    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address initialOwner,
                uint256 initialSupply) ERC20(name_, symbol_) Ownable(initialOwner) {
        _decimals = decimals_;
        if (initialSupply > 0) {
            _mint(initialOwner, initialSupply);
        }
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// Supply grows only by the owner's hand.
    function mint(address to, uint256 value) public onlyOwner {
        _mint(to, value);
    }

    /// "burn (owner only)": the owner burns from its own balance; others use burnFrom.
    function burn(uint256 value) public override onlyOwner {
        super.burn(value);
    }

    /// As OpenZeppelin 4.9 (removed in 5.0): checked addition, then _approve with its event.
    function increaseAllowance(address spender, uint256 addedValue) public returns (bool) {
        address holder = _msgSender();
        _approve(holder, spender, allowance(holder, spender) + addedValue);
        return true;
    }

    /// As OpenZeppelin 4.9, with the 5.0 pre-release's custom error instead of a string.
    function decreaseAllowance(address spender, uint256 requestedDecrease) public returns (bool) {
        address holder = _msgSender();
        uint256 currentAllowance = allowance(holder, spender);
        if (currentAllowance < requestedDecrease) {
            revert ERC20FailedDecreaseAllowance(spender, currentAllowance, requestedDecrease);
        }
        unchecked {
            _approve(holder, spender, currentAllowance - requestedDecrease);
        }
        return true;
    }
}
