# Verbatim from ../shared/seeds/001 ("Python Client"). Do not edit: the API must fit it.
from dataclasses import dataclass
import httpx
from typing import Optional
import jwt
from eth_account import Account
from eth_account.messages import encode_defunct

@dataclass
class ContractClient:
    base_url: str
    jwt_token: Optional[str] = None
    
    async def register_did(self, did: str, public_key: str) -> dict:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{self.base_url}/api/v1/auth/register",
                json={"did": did, "public_key": public_key}
            )
            return response.json()
    
    async def authenticate(self, did: str, private_key: str) -> None:
        # Get challenge
        async with httpx.AsyncClient() as client:
            challenge_resp = await client.post(
                f"{self.base_url}/api/v1/auth/challenge",
                json={"did": did}
            )
            challenge = challenge_resp.json()["challenge"]
            
            # Sign challenge
            account = Account.from_key(private_key)
            message = encode_defunct(text=challenge)
            signature = account.sign_message(message)
            
            # Verify signature
            verify_resp = await client.post(
                f"{self.base_url}/api/v1/auth/verify",
                json={
                    "did": did,
                    "challenge": challenge,
                    "signature": signature.signature.hex()
                }
            )
            self.jwt_token = verify_resp.json()["token"]
    
    async def create_contract(self, contract_data: dict) -> dict:
        if not self.jwt_token:
            raise ValueError("Not authenticated")
            
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{self.base_url}/api/v1/contracts",
                json=contract_data,
                headers={"Authorization": f"Bearer {self.jwt_token}"}
            )
            return response.json()
    
    async def get_contract(self, contract_id: str) -> dict:
        if not self.jwt_token:
            raise ValueError("Not authenticated")
            
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"{self.base_url}/api/v1/contracts/{contract_id}",
                headers={"Authorization": f"Bearer {self.jwt_token}"}
            )
            return response.json()
