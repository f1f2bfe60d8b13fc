// Verbatim from ../shared/seeds/001 ("JavaScript/TypeScript Client"). Do not edit.
import axios, { AxiosInstance } from 'axios';
import { ethers } from 'ethers';

interface ContractData {
  title: string;
  description: string;
  consumer_did: string;
  terms: string;
  valid_from: string;
  valid_until: string;
}

class ContractClient {
  private baseUrl: string;
  private client: AxiosInstance;
  private jwtToken?: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
    this.client = axios.create({
      baseURL: this.baseUrl,
    });
  }

  async registerDid(did: string, publicKey: string): Promise<any> {
    const response = await this.client.post('/api/v1/auth/register', {
      did,
      public_key: publicKey,
    });
    return response.data;
  }

  async authenticate(did: string, privateKey: string): Promise<void> {
    // Get challenge
    const challengeResp = await this.client.post('/api/v1/auth/challenge', {
      did,
    });
    const challenge = challengeResp.data.challenge;

    // Sign challenge
    const wallet = new ethers.Wallet(privateKey);
    const signature = await wallet.signMessage(challenge);

    // Verify signature
    const verifyResp = await this.client.post('/api/v1/auth/verify', {
      did,
      challenge,
      signature,
    });
    this.jwtToken = verifyResp.data.token;

    // Update client headers
    this.client.defaults.headers.common['Authorization'] = `Bearer ${this.jwtToken}`;
  }

  async createContract(contractData: ContractData): Promise<any> {
    if (!this.jwtToken) {
      throw new Error('Not authenticated');
    }

    const response = await this.client.post('/api/v1/contracts', contractData);
    return response.data;
  }

  async getContract(contractId: string): Promise<any> {
    if (!this.jwtToken) {
      throw new Error('Not authenticated');
    }

    const response = await this.client.get(`/api/v1/contracts/${contractId}`);
    return response.data;
  }

  async getContractEvents(contractId: string): Promise<any> {
    if (!this.jwtToken) {
      throw new Error('Not authenticated');
    }

    const response = await this.client.get(
      `/api/v1/contracts/${contractId}/events`
    );
    return response.data;
  }

  async verifyContract(contractId: string): Promise<any> {
    if (!this.jwtToken) {
      throw new Error('Not authenticated');
    }

    const response = await this.client.post(
      `/api/v1/contracts/${contractId}/verify`
    );
    return response.data;
  }
}

export default ContractClient;
